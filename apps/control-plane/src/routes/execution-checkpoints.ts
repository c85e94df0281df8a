// GET /api/v1/executions/:id/checkpoints and POST /api/v1/executions/:id/rewind: the checkpoint timeline and going back to one.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const executionCheckpointRoutes = new Hono<AppEnv>();
