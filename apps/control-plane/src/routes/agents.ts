// /api/v1/agents: agent templates (a prompt with `{{name}}` inputs and the settings its executions get): create,
// list, read, change, delete; every change is audited. Used by the dashboard and outside clients.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { deleteAgent, getAgent, insertAgent, listAgents, toAgent, updateAgent } from '../db/queries/agents';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { decodeNameCursor, encodeNameCursor } from '../lib/cursor';
import { actorOf, requireAdmin } from '../middleware/auth';
import { jsonBody, params, query } from '../middleware/validate';
import { AgentName, CreateAgentBody, ListAgentsQuery, UpdateAgentBody } from '../protocol';

const NameParams = z.strictObject({ name: AgentName });
const notFound = (name: string) => new AppError('NOT_FOUND', `agent template ${name} does not exist`);

export const agentsRoutes = new Hono<AppEnv>()
  .post('/', requireAdmin, jsonBody(CreateAgentBody), async (c) => {
    const body = c.req.valid('json');
    const row = await insertAgent(createDb(c.env.DB), body, actorOf(c.get('identity')), Date.now());
    if (row === null) throw new AppError('CONFLICT', `an agent template named ${body.name} already exists`);
    return c.json(toAgent(row), 201);
  })

  .get('/', requireAdmin, query(ListAgentsQuery), async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = cursor === undefined ? undefined : decodeNameCursor(cursor);
    const rows = await listAgents(createDb(c.env.DB), { limit, after });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json({
      items: page.map(toAgent),
      nextCursor: rows.length > limit && last ? encodeNameCursor(last.name) : null,
    });
  })

  .get('/:name', requireAdmin, params(NameParams), async (c) => {
    const { name } = c.req.valid('param');
    const row = await getAgent(createDb(c.env.DB), name);
    if (row === undefined) throw notFound(name);
    return c.json(toAgent(row));
  })

  .patch('/:name', requireAdmin, params(NameParams), jsonBody(UpdateAgentBody), async (c) => {
    const { name } = c.req.valid('param');
    const db = createDb(c.env.DB);
    const row = await updateAgent(db, name, c.req.valid('json'), actorOf(c.get('identity')), Date.now());
    if (row === null) throw notFound(name);
    return c.json(toAgent(row));
  })

  .delete('/:name', requireAdmin, params(NameParams), async (c) => {
    const { name } = c.req.valid('param');
    if (!(await deleteAgent(createDb(c.env.DB), name, actorOf(c.get('identity')), Date.now()))) throw notFound(name);
    return c.body(null, 204);
  });
