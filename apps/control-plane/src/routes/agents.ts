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
import { doc } from '../openapi/describe';
import { Agent, AgentName, AgentPage, CreateAgentBody, ListAgentsQuery, UpdateAgentBody } from '../protocol';

const NameParams = z.strictObject({ name: AgentName });
const notFound = (name: string) => new AppError('NOT_FOUND', `agent template ${name} does not exist`);

export const agentsRoutes = new Hono<AppEnv>()
  .post(
    '/',
    doc({
      summary: 'Create an agent template',
      description:
        'A prompt with `{{name}}` inputs and the settings its executions get; audited. A 409 when the name is taken.',
      responses: { 201: { description: 'The template', schema: Agent } },
    }),
    requireAdmin,
    jsonBody(CreateAgentBody),
    async (c) => {
      const body = c.req.valid('json');
      const row = await insertAgent(createDb(c.env.DB), body, actorOf(c.get('identity')), Date.now());
      if (row === null) throw new AppError('CONFLICT', `an agent template named ${body.name} already exists`);
      return c.json(toAgent(row), 201);
    },
  )

  .get(
    '/',
    doc({
      summary: 'List agent templates',
      responses: { 200: { description: 'A page of templates, by name', schema: AgentPage } },
    }),
    requireAdmin,
    query(ListAgentsQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const after = cursor === undefined ? undefined : decodeNameCursor(cursor);
      const rows = await listAgents(createDb(c.env.DB), { limit, after });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json({
        items: page.map(toAgent),
        nextCursor: rows.length > limit && last ? encodeNameCursor(last.name) : null,
      } satisfies z.infer<typeof AgentPage>);
    },
  )

  .get(
    '/:name',
    doc({ summary: 'Read an agent template', responses: { 200: { description: 'The template', schema: Agent } } }),
    requireAdmin,
    params(NameParams),
    async (c) => {
      const { name } = c.req.valid('param');
      const row = await getAgent(createDb(c.env.DB), name);
      if (row === undefined) throw notFound(name);
      return c.json(toAgent(row));
    },
  )

  .patch(
    '/:name',
    doc({
      summary: 'Change an agent template',
      description: 'Only the fields given change; executions already started keep their snapshot. Audited.',
      responses: { 200: { description: 'The template as changed', schema: Agent } },
    }),
    requireAdmin,
    params(NameParams),
    jsonBody(UpdateAgentBody),
    async (c) => {
      const { name } = c.req.valid('param');
      const db = createDb(c.env.DB);
      const row = await updateAgent(db, name, c.req.valid('json'), actorOf(c.get('identity')), Date.now());
      if (row === null) throw notFound(name);
      return c.json(toAgent(row));
    },
  )

  .delete(
    '/:name',
    doc({
      summary: 'Delete an agent template',
      description: 'Audited.',
      responses: { 204: { description: 'Deleted' } },
    }),
    requireAdmin,
    params(NameParams),
    async (c) => {
      const { name } = c.req.valid('param');
      if (!(await deleteAgent(createDb(c.env.DB), name, actorOf(c.get('identity')), Date.now()))) throw notFound(name);
      return c.body(null, 204);
    },
  );
