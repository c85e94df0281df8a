// /api/v1/schedules: recurring executions (cron in a timezone), their runs, run-now. Owned by the schedules work.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const schedulesRoutes = new Hono<AppEnv>();
