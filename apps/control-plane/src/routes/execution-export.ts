// GET /api/v1/executions/:id/export: being written (export bundles).
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const executionExportRoutes = new Hono<AppEnv>();
