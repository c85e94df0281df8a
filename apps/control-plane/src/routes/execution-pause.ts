// POST /api/v1/executions/:id/pause and /resume: hold a running execution before its next model call, and let it go on.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const executionPauseRoutes = new Hono<AppEnv>();
