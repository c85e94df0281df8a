// Remote approvals end to end: real Claude Code asks for a `Write` the execution's policy does not allow, the runner
// sends the request up, a person answers through the API (allow, deny, nobody: timeout, remember), and the answer
// reaches Claude Code, even when it was given while the runner's socket was down.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Approval, ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiError } from '../fixtures/api-client';
import type { RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
/** Read-only tools run; a Write must be approved. */
const ASK_WRITES = { allow: ['Read', 'Glob', 'Grep'], ask: ['Write'], deny: [] };

let stack: Stack;
let runner: RunnerProcess;

beforeAll(async () => {
  stack = await startStack();
  runner = await stack.startRunner({ maxConcurrent: 2 });
});

afterAll(async () => {
  await stack?.dispose();
});

const fileOf = (executionId: string, name: string) => path.join(runner.workspacesDir, executionId, name);

/** The execution's approvals once `count` of them exist (any status). */
async function approvalsOf(executionId: string, count = 1): Promise<Approval[]> {
  return waitFor(
    async () => {
      const items = await stack.api.approvals({ executionId });
      return items.length >= count ? items : undefined;
    },
    { timeoutMs: 60_000, what: `${count} approval(s) of ${executionId}` },
  );
}

async function pendingApproval(executionId: string): Promise<Approval> {
  return waitFor(
    async () => (await stack.api.approvals({ status: 'pending' })).find((a) => a.executionId === executionId),
    { timeoutMs: 60_000, what: `a pending approval of ${executionId}` },
  );
}

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

describe('remote approvals', () => {
  it('waits in awaiting_approval, lists the request with its summary, and writes the file once allowed', async () => {
    const created = await stack.api.createExecution({
      prompt: `Create allowed.txt [script:write-tool:allowed.txt]`,
      model: MODEL,
      permissions: ASK_WRITES,
    });
    const approval = await pendingApproval(created.id);
    expect(approval).toMatchObject({
      executionId: created.id,
      tool: 'Write',
      status: 'pending',
      // remember grants this request's file, never a bare Write.
      pattern: 'Edit(./allowed.txt)',
      decision: null,
      decidedBy: null,
      decidedAt: null,
    });
    expect(approval.input).toMatchObject({ file_path: fileOf(created.id, 'allowed.txt') });
    expect(approval.summary).toContain('allowed.txt');
    expect(approval.summary).toContain('written by claude');
    await stack.waitForStatus(created.id, (e) => e.status === 'awaiting_approval');
    expect(existsSync(fileOf(created.id, 'allowed.txt'))).toBe(false);

    // Two people answer at once: the first wins, the second is told it was already answered.
    const answers = await Promise.allSettled([
      stack.api.decide(approval.id, { decision: 'allow', message: 'go ahead' }),
      stack.api.decide(approval.id, { decision: 'deny', message: 'too late' }),
    ]);
    const won = answers.filter((a) => a.status === 'fulfilled');
    const lost = answers.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]?.reason as ApiError).status).toBe(409);
    const decided = (won[0] as PromiseFulfilledResult<Approval>).value;
    expect(decided).toMatchObject({ status: decided.decision === 'allow' ? 'allowed' : 'denied', decidedBy: 'admin' });
    expect(decided.decidedAt).not.toBeNull();

    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const written = existsSync(fileOf(created.id, 'allowed.txt'));
    expect(written).toBe(decided.decision === 'allow');
    if (written) expect(await readFile(fileOf(created.id, 'allowed.txt'), 'utf8')).toBe('written by claude\n');

    const events = await stack.api.allEvents(created.id);
    expect(ofType(events, 'approval.requested').map((e) => e.data.approvalId)).toEqual([approval.id]);
    expect(ofType(events, 'approval.decided').map((e) => e.data.decision)).toEqual([decided.decision]);
    const statuses = ofType(events, 'status').map((e) => e.data.status);
    expect(statuses).toEqual(['running', 'awaiting_approval', 'running', 'succeeded']);

    const audit = await stack.api.audit({ subject: approval.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'admin',
      action: decided.decision === 'allow' ? 'approval.allowed' : 'approval.denied',
      executionId: created.id,
    });
    expect(audit[0]?.details).toMatchObject({ tool: 'Write', input: approval.input });
  });

  it('tells Claude about a denial, with the message, and leaves no file', async () => {
    const created = await stack.api.createExecution({
      prompt: `Create denied.txt [script:write-tool:denied.txt]`,
      model: MODEL,
      permissions: ASK_WRITES,
    });
    const approval = await pendingApproval(created.id);
    await stack.api.decide(approval.id, { decision: 'deny', message: 'not in this workspace' });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(existsSync(fileOf(created.id, 'denied.txt'))).toBe(false);
    const events = await stack.api.allEvents(created.id);
    const result = ofType(events, 'tool.result').at(-1)?.data;
    expect(result?.isError).toBe(true);
    expect(result?.content).toContain('not in this workspace');
    // The model's next turn carried the denial: the script quotes back the tool result Claude Code sent it.
    expect(done.result?.text).toContain('not in this workspace');
  });

  it('denies on timeout, records why, and audits it', async () => {
    const created = await stack.api.createExecution({
      prompt: `Create late.txt [script:write-tool:late.txt]`,
      model: MODEL,
      permissions: ASK_WRITES,
      approvalTimeoutSeconds: 5,
    });
    const [approval] = await approvalsOf(created.id);
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(existsSync(fileOf(created.id, 'late.txt'))).toBe(false);
    const [expired] = await stack.api.approvals({ executionId: created.id });
    expect(expired).toMatchObject({ id: approval?.id, status: 'expired', decision: 'deny', decidedBy: 'timeout' });
    expect(expired?.reason).toMatch(/nobody answered/);
    expect(done.result?.text).toMatch(/nobody answered/i);
    const audit = await stack.api.audit({ subject: approval?.id ?? '' });
    expect(audit.map((entry) => [entry.action, entry.actor])).toEqual([['approval.expired', 'timeout']]);
  });

  it('does not ask again for the same tool after remember: "execution"', async () => {
    const created = await stack.api.createExecution({
      prompt: `Write twice [script:write-twice:twice.txt]`,
      model: MODEL,
      permissions: ASK_WRITES,
    });
    const approval = await pendingApproval(created.id);
    await stack.api.decide(approval.id, { decision: 'allow', remember: 'execution' });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(await readFile(fileOf(created.id, 'twice.txt'), 'utf8')).toBe('second\n');
    const approvals = await stack.api.approvals({ executionId: created.id });
    expect(approvals.map((a) => [a.status, a.remember])).toEqual([['allowed', 'execution']]);
    const events = await stack.api.allEvents(created.id);
    expect(ofType(events, 'tool.call').filter((e) => e.data.name === 'Write')).toHaveLength(2);
  });

  it('delivers a decision made while the runner was disconnected once it reconnects', async () => {
    const created = await stack.api.createExecution({
      prompt: `Create offline.txt [script:write-tool:offline.txt]`,
      model: MODEL,
      permissions: ASK_WRITES,
    });
    const approval = await pendingApproval(created.id);
    stack.proxy.setOffline(true);
    stack.proxy.cutAll();
    try {
      await stack.api.decide(approval.id, { decision: 'allow' });
      // Still waiting: nothing can reach the runner.
      expect(existsSync(fileOf(created.id, 'offline.txt'))).toBe(false);
    } finally {
      stack.proxy.setOffline(false);
    }
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(await readFile(fileOf(created.id, 'offline.txt'), 'utf8')).toBe('written by claude\n');
    const events = await stack.api.allEvents(created.id);
    expect(ofType(events, 'approval.decided').map((e) => e.data.approvalId)).toEqual([approval.id]);
  });

  it('runs every tool without asking when neither the execution nor a template gives a policy', async () => {
    const created = await stack.api.createExecution({ prompt: `[script:write-tool:free.txt]`, model: MODEL });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(existsSync(fileOf(created.id, 'free.txt'))).toBe(true);
    expect(await stack.api.approvals({ executionId: created.id })).toEqual([]);
  });

  it('refuses a denied tool without asking anyone, and tells Claude which rule', async () => {
    const created = await stack.api.createExecution({
      prompt: `[script:write-tool:never.txt]`,
      model: MODEL,
      permissions: { allow: [], ask: [], deny: ['Write'] },
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(existsSync(fileOf(created.id, 'never.txt'))).toBe(false);
    expect(await stack.api.approvals({ executionId: created.id })).toEqual([]);
    expect(done.result?.text).toContain('Write');
  });
});
