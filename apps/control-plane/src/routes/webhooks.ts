// /api/v1/webhooks: webhook endpoints, their rules and deliveries (redeliver). Owned by the webhooks work.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const webhooksRoutes = new Hono<AppEnv>();
