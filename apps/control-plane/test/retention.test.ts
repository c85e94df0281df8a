// Retention as an operator sees it: GET/PUT /api/v1/settings/retention, and the cron run that prunes audit entries,
// approvals and ended executions older than the setting (their hub's events too, never their costs), while newer
// rows, live ones, and everything under the default (keep forever) stay.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { approvals, auditLog, executionCosts, executions, webhookDeliveries } from '../src/db/schema';
import worker from '../src/index';
import { newApprovalId, newAuditId } from '../src/lib/ids';
import { RetentionSettings, type ApprovalStatus } from '../src/protocol';
import { api, expectError } from './api-support';
import {
  connectHubRunner,
  db,
  eventually,
  executionRow,
  logEvents,
  seedExecution,
  sendBatch,
  statusEvent,
  storedEvents,
} from './do-support';

const RETENTION = '/api/v1/settings/retention';
const DAY_MS = 24 * 60 * 60 * 1000;
const KEEP_ALL: RetentionSettings = { auditDays: null, approvalsDays: null, executionsDays: null };

const daysAgo = (days: number) => Date.now() - days * DAY_MS;

async function putRetention(value: unknown): Promise<Response> {
  return api(RETENTION, { method: 'PUT', body: value });
}

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function seedAudit(at: number): Promise<string> {
  const id = newAuditId(at);
  await db()
    .insert(auditLog)
    .values({ id, at, actor: 'admin', action: 'agent.updated', subject: 'x', executionId: null, details: {} });
  return id;
}

async function seedDelivery(receivedAt: number): Promise<string> {
  const id = `whd_${crypto.randomUUID()}`;
  await db().insert(webhookDeliveries).values({
    id,
    webhookId: 'wh_retention',
    deliveryId: id,
    receivedAt,
    verified: true,
    outcome: 'ignored',
    body: '{}',
  });
  return id;
}

async function seedApproval(executionId: string, createdAt: number, status: ApprovalStatus): Promise<string> {
  const id = newApprovalId();
  await db()
    .insert(approvals)
    .values({
      id,
      executionId,
      agent: 'default',
      tool: 'Bash',
      input: null,
      summary: '$ true',
      pattern: 'Bash(true)',
      status,
      createdAt,
      expiresAt: createdAt + 600_000,
    });
  return id;
}

async function seedCost(executionId: string): Promise<void> {
  await db().insert(executionCosts).values({
    executionId,
    model: 'claude-sonnet-4-5',
    day: '2026-01-01',
    agent: 'default',
    runnerId: null,
    inputTokens: 10,
    outputTokens: 10,
    cacheReadInputTokens: 0,
    cacheCreation5mInputTokens: 0,
    cacheCreation1hInputTokens: 0,
    costUsd: 0.01,
    estimated: false,
    updatedAt: Date.now(),
  });
}

/** An execution that ran (its hub holds its events) and ended `endedDaysAgo` days ago. */
async function seedEndedExecution(endedDaysAgo: number): Promise<string> {
  const id = await seedExecution({ status: 'running' });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  await sendBatch(runner, [...logEvents(1, 3), statusEvent(4, 'succeeded')]);
  runner.ws.close(1000, 'done');
  await eventually(async () => (await executionRow(id))?.status === 'succeeded');
  const ended = daysAgo(endedDaysAgo);
  await db()
    .update(executions)
    .set({ createdAt: ended - DAY_MS, finishedAt: ended, updatedAt: ended })
    .where(eq(executions.id, id));
  return id;
}

const exists = async (table: typeof auditLog | typeof approvals | typeof webhookDeliveries, id: string) =>
  (await db().select({ id: table.id }).from(table).where(eq(table.id, id)).get()) !== undefined;

afterEach(async () => {
  expect((await putRetention(KEEP_ALL)).status).toBe(200);
});

describe('retention settings', () => {
  it('keeps everything by default, and stores what an admin sets (with an audit entry)', async () => {
    expect(RetentionSettings.parse(await (await api(RETENTION)).json())).toEqual(KEEP_ALL);
    const value = { auditDays: 365, approvalsDays: 90, executionsDays: null };
    const put = await putRetention(value);
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual(value);
    expect(await (await api(RETENTION)).json()).toEqual(value);
    const audit = (await (await api('/api/v1/audit?action=retention.updated')).json()) as {
      items: { details: Record<string, unknown> }[];
    };
    expect(audit.items[0]?.details).toEqual({ retention: value });
  });

  it('refuses what is not a number of days or null, with a 400 naming the field', async () => {
    const bad: [unknown, string][] = [
      [{ ...KEEP_ALL, auditDays: 0 }, 'auditDays'],
      [{ ...KEEP_ALL, approvalsDays: 1.5 }, 'approvalsDays'],
      [{ ...KEEP_ALL, executionsDays: -3 }, 'executionsDays'],
      [{ ...KEEP_ALL, executionsDays: 1e9 }, 'executionsDays'],
      [{ ...KEEP_ALL, auditDays: '30' }, 'auditDays'],
      [{ auditDays: 30, approvalsDays: null }, 'executionsDays'],
      [{ ...KEEP_ALL, logsDays: 3 }, 'logsDays'],
    ];
    for (const [body, field] of bad) await expectError(await putRetention(body), 400, 'BAD_REQUEST', field);
    await expectError(await api(RETENTION, { method: 'PUT', token: null, body: KEEP_ALL }), 401, 'UNAUTHORIZED');
  });
});

describe('the cron run', () => {
  it('prunes rows older than the setting and keeps newer ones, live ones and costs', async () => {
    const oldAudit = await seedAudit(daysAgo(100));
    const newAudit = await seedAudit(daysAgo(10));
    const oldDelivery = await seedDelivery(daysAgo(100));
    const newDelivery = await seedDelivery(daysAgo(10));

    const host = await seedExecution({ status: 'succeeded' });
    const oldDecided = await seedApproval(host, daysAgo(70), 'denied');
    const oldPending = await seedApproval(host, daysAgo(70), 'pending');
    const newDecided = await seedApproval(host, daysAgo(5), 'allowed');

    const oldRun = await seedEndedExecution(40);
    const oldRunApproval = await seedApproval(oldRun, daysAgo(41), 'allowed');
    await seedCost(oldRun);
    const newRun = await seedEndedExecution(3);
    const stillRunning = await seedExecution({ status: 'running', createdAt: daysAgo(50) });

    expect((await putRetention({ auditDays: 90, approvalsDays: 60, executionsDays: 30 })).status).toBe(200);
    await runCron();

    expect(await exists(auditLog, oldAudit)).toBe(false);
    expect(await exists(auditLog, newAudit)).toBe(true);
    expect(await exists(webhookDeliveries, oldDelivery)).toBe(false);
    expect(await exists(webhookDeliveries, newDelivery)).toBe(true);
    expect(await exists(approvals, oldDecided)).toBe(false);
    expect(await exists(approvals, oldPending)).toBe(true);
    expect(await exists(approvals, newDecided)).toBe(true);

    expect(await executionRow(oldRun)).toBeUndefined();
    expect(await exists(approvals, oldRunApproval)).toBe(false);
    expect(await storedEvents(oldRun)).toEqual([]);
    const costs = await db().select().from(executionCosts).where(eq(executionCosts.executionId, oldRun)).all();
    expect(costs).toHaveLength(1);
    await expectError(await api(`/api/v1/executions/${oldRun}`), 404, 'NOT_FOUND');

    expect(await executionRow(newRun)).toBeDefined();
    expect((await storedEvents(newRun)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect((await executionRow(stillRunning))?.status).toBe('running');
  });

  it('keeps everything with the default setting', async () => {
    const oldAudit = await seedAudit(daysAgo(4000));
    const host = await seedExecution({ status: 'failed' });
    const oldApproval = await seedApproval(host, daysAgo(4000), 'expired');
    const oldRun = await seedEndedExecution(4000);

    await runCron();

    expect(await exists(auditLog, oldAudit)).toBe(true);
    expect(await exists(approvals, oldApproval)).toBe(true);
    expect(await executionRow(oldRun)).toBeDefined();
    expect(await storedEvents(oldRun)).toHaveLength(4);
  });
});
