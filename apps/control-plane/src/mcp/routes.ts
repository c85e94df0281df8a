// /mcp: being written (the remote MCP server).
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const mcpRoutes = new Hono<AppEnv>();
