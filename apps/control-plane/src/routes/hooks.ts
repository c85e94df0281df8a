// /hooks/:id: where GitHub, Jira, Sentry and generic senders deliver (signature checked first). Owned by the webhooks work.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const hooksRoutes = new Hono<AppEnv>();
