// /api/v1/executions/:id/messages and /conversation: follow-ups from the phone. Owned by the follow-ups work.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const executionMessagesRoutes = new Hono<AppEnv>();
