// The approvals poller's decisions (when it asks, when it waits) and the approval card's text helpers.
import { describe, expect, it } from 'vitest';
import type { Approval } from '@claudeops/control-plane/protocol';
import { ApiError } from './api-client';
import {
  ApprovalPoller,
  decisionError,
  newestApproval,
  outcomeLabel,
  pendingCountLabel,
  pollsApprovals,
  rememberOptions,
  summaryHeadline,
  summaryLines,
  timeLeft,
  type PendingSnapshot,
} from './approvals';

const approvalFixture = (id: string, overrides: Partial<Approval> = {}): Approval => ({
  id,
  executionId: 'ex_00000000000000000000000001',
  agent: 'default',
  tool: 'Write',
  input: {},
  summary: 'Write notes.md (1 lines)\nhello',
  pattern: 'Write',
  status: 'pending',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:10:00.000Z',
  decision: null,
  decidedBy: null,
  decidedAt: null,
  message: null,
  remember: null,
  reason: null,
  ...overrides,
});

/** A poller over a fake client and hand-driven timers. */
function harness() {
  const state = { visible: true, calls: 0, updates: [] as PendingSnapshot[], errors: [] as unknown[] };
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  let answer: (s: PendingSnapshot) => void = () => {};
  let fail: (e: unknown) => void = () => {};
  const poller = new ApprovalPoller({
    fetchPending: () => {
      state.calls++;
      return new Promise<PendingSnapshot>((resolve, reject) => {
        answer = resolve;
        fail = reject;
      });
    },
    onUpdate: (s) => state.updates.push(s),
    onError: (e) => state.errors.push(e),
    isVisible: () => state.visible,
    intervalMs: 5000,
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => void ((timer as { cleared: boolean }).cleared = true),
  });
  const pending = () => timers.filter((t) => !t.cleared);
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    state,
    poller,
    pending,
    settle,
    answer: (s: PendingSnapshot) => answer(s),
    fail: (e: unknown) => fail(e),
    fire: () => {
      const timer = pending()[0]!;
      timer.cleared = true;
      timer.fn();
    },
  };
}

describe('ApprovalPoller', () => {
  it('polls at once, then every interval after each answer', async () => {
    const h = harness();
    h.poller.start();
    expect(h.state.calls).toBe(1);
    h.answer({ items: [approvalFixture('ap_1')], more: false });
    await h.settle();
    expect(h.state.updates).toHaveLength(1);
    expect(h.pending().map((t) => t.ms)).toEqual([5000]);
    h.fire();
    expect(h.state.calls).toBe(2);
  });

  it('asks once at a time: a poke while waiting for an answer does nothing', () => {
    const h = harness();
    h.poller.start();
    h.poller.poke();
    h.poller.poke();
    expect(h.state.calls).toBe(1);
  });

  it('schedules nothing while hidden and polls at once when the tab comes back', async () => {
    const h = harness();
    h.poller.start();
    h.state.visible = false;
    h.answer({ items: [], more: false });
    await h.settle();
    expect(h.pending()).toHaveLength(0);
    h.poller.poke();
    expect(h.state.calls).toBe(1);
    h.state.visible = true;
    h.poller.poke();
    expect(h.state.calls).toBe(2);
  });

  it('a poke between polls replaces the scheduled one', async () => {
    const h = harness();
    h.poller.start();
    h.answer({ items: [], more: false });
    await h.settle();
    h.poller.poke();
    expect(h.state.calls).toBe(2);
    expect(h.pending()).toHaveLength(0);
  });

  it('reports errors and keeps polling; stops for good on stop()', async () => {
    const h = harness();
    h.poller.start();
    h.fail(new ApiError(0, 'NETWORK', 'offline'));
    await h.settle();
    expect(h.state.errors).toHaveLength(1);
    expect(h.pending()).toHaveLength(1);
    h.poller.stop();
    expect(h.pending()).toHaveLength(0);
    h.poller.poke();
    expect(h.state.calls).toBe(1);
  });

  it('drops an answer that arrives after stop()', async () => {
    const h = harness();
    h.poller.start();
    h.poller.stop();
    h.answer({ items: [approvalFixture('ap_1')], more: false });
    await h.settle();
    expect(h.state.updates).toHaveLength(0);
    expect(h.pending()).toHaveLength(0);
  });

  it('does not poll on the login page', () => {
    expect(pollsApprovals('/login')).toBe(false);
    expect(pollsApprovals('/')).toBe(true);
    expect(pollsApprovals('/approvals')).toBe(true);
  });
});

describe('approval text', () => {
  it('gives the first line of a summary, without repeating the tool name shown before it', () => {
    expect(summaryHeadline('Write a.txt (new file)\n\nhello', 140, 'Write')).toBe('a.txt (new file)');
    expect(summaryHeadline('$ npm test\nRun the tests', 140, 'Bash')).toBe('$ npm test');
    expect(summaryHeadline('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('colours a unified diff and leaves other summaries plain', () => {
    const diff = summaryLines('Edit a.ts\n\n--- a.ts\n+++ a.ts\n@@ -1,2 +1,2 @@\n keep\n-old\n+new');
    expect(diff.map((l) => l.kind)).toEqual(['text', 'text', 'meta', 'meta', 'hunk', 'text', 'del', 'add']);
    expect(summaryLines('Bash rm -rf build\n- not a diff').every((l) => l.kind === 'text')).toBe(true);
  });

  it('counts down to the expiry and says nothing once decided', () => {
    const a = approvalFixture('ap_1');
    const at = (iso: string) => Date.parse(iso);
    expect(timeLeft(a, at('2026-01-01T00:05:50.000Z'))).toBe('4 min 10 s left');
    expect(timeLeft(a, at('2026-01-01T00:09:30.000Z'))).toBe('30 s left');
    expect(timeLeft(a, at('2026-01-01T00:11:00.000Z'))).toBe('expiring');
    expect(timeLeft({ ...a, status: 'allowed' }, at('2026-01-01T00:05:00.000Z'))).toBeNull();
  });

  it('offers remembering on the template only for template executions', () => {
    expect(rememberOptions(approvalFixture('ap_1')).map((o) => o.value)).toEqual(['', 'execution']);
    expect(rememberOptions(approvalFixture('ap_1', { agent: 'bug-fixer' })).map((o) => o.value)).toEqual([
      '',
      'execution',
      'agent',
    ]);
  });

  it('tells a lost race from other failures', () => {
    expect(decisionError(new ApiError(409, 'CONFLICT', 'already decided'))).toEqual({
      conflict: true,
      message: 'Someone answered first.',
    });
    expect(decisionError(new ApiError(500, 'INTERNAL', 'boom')).conflict).toBe(false);
    expect(decisionError(new Error('x')).message).toMatch(/could not be sent/);
  });

  it('words counts, outcomes and picks the newest', () => {
    expect([pendingCountLabel(1, false), pendingCountLabel(3, false), pendingCountLabel(200, true)]).toEqual([
      '1 approval waiting',
      '3 approvals waiting',
      '200+ approvals waiting',
    ]);
    expect(outcomeLabel(approvalFixture('a', { status: 'allowed', decidedBy: 'admin' }))).toBe('Allowed by admin');
    expect(outcomeLabel(approvalFixture('a', { status: 'expired', decidedBy: 'timeout' }))).toMatch(/Expired/);
    const older = approvalFixture('ap_1');
    const newer = approvalFixture('ap_2', { createdAt: '2026-01-01T00:01:00.000Z' });
    expect(newestApproval([older, newer])?.id).toBe('ap_2');
    expect(newestApproval([])).toBeNull();
  });
});
