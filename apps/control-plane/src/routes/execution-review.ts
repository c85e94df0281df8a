// POST /api/v1/executions/:id/review: a person's decision on a needs_review execution (accept, reject, feedback).
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const executionReviewRoutes = new Hono<AppEnv>();
