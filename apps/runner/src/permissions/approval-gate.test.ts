// Unit tests of the approval gate: policy verdicts, asking and waiting for the hub's decision, standing grants, abort,
// repeated decisions, and the run's awaiting_approval ⇄ running status.
import { describe, expect, it } from 'vitest';
import { ApprovalId, type EventDraft, type PermissionPolicy } from '@claudeops/control-plane/protocol';
import { ApprovalGate, type ApprovalDecisionData } from './approval-gate';
import { waitFor } from '../testing/test-helpers';

const policy = (p: Partial<PermissionPolicy>): PermissionPolicy => ({ allow: [], ask: [], deny: [], ...p });

function makeGate(p: PermissionPolicy | null) {
  const events: EventDraft[] = [];
  const gate = new ApprovalGate({ policy: p, timeoutMs: 600_000, emit: (draft) => events.push(draft), cwd: '/w' });
  const requests = () => events.flatMap((e) => (e.type === 'approval.requested' ? [e.data] : []));
  const decided = () => events.flatMap((e) => (e.type === 'approval.decided' ? [e.data] : []));
  const statuses = () => events.flatMap((e) => (e.type === 'status' ? [e.data.status] : []));
  return { gate, events, requests, decided, statuses };
}

const decision = (approvalId: string, extra: Partial<ApprovalDecisionData> = {}): ApprovalDecisionData => ({
  approvalId,
  status: 'allowed',
  decision: 'allow',
  decidedBy: 'ada@example.com',
  message: null,
  remember: null,
  reason: null,
  ...extra,
});

const bash = (command: string) => ({ command });

describe('ApprovalGate', () => {
  it('allows everything without a word when the job has no policy', async () => {
    const { gate, events } = makeGate(null);
    expect(await gate.check('Bash', bash('rm -rf /'))).toEqual({ behavior: 'allow', updatedInput: bash('rm -rf /') });
    expect(events).toEqual([]);
  });

  it('allows and denies by rule without asking', async () => {
    const { gate, events } = makeGate(policy({ allow: ['Read'], deny: ['Bash(rm:*)'] }));
    expect(await gate.check('Read', { file_path: 'a' })).toEqual({
      behavior: 'allow',
      updatedInput: { file_path: 'a' },
    });
    const denied = await gate.check('Bash', bash('ls && rm x'));
    expect(denied).toMatchObject({ behavior: 'deny' });
    expect(denied.behavior === 'deny' && denied.message).toContain(
      'Denied by the permission policy (rule "Bash(rm:*)")',
    );
    expect(events).toEqual([]);
  });

  it('asks about a call its prefix rule does not vouch for, saying why, and offers a grant that excludes it', async () => {
    const { gate, requests } = makeGate(policy({ allow: ['Bash(git log:*)'] }));
    void gate.check('Bash', bash('git log -1 --format=x --output=/home/me/.bashrc'));
    await waitFor(() => requests().length === 1, 'the request');
    expect(requests()[0]!.summary).toContain('Asked because git log with --output, which no prefix rule allows.');
    expect(requests()[0]!.pattern).toBe('Bash(git log:*)');
    gate.close('test over');
  });

  it('drops bare Bash, Edit and Write grants it is started with', async () => {
    const events: EventDraft[] = [];
    const gate = new ApprovalGate({
      policy: policy({}),
      timeoutMs: 600_000,
      emit: (draft) => events.push(draft),
      cwd: '/w',
      grants: ['Bash', 'Edit', 'Write(*)', 'Bash(npm test:*)'],
    });
    expect(gate.standingGrants).toEqual(['Bash(npm test:*)']);
  });

  it('asks, waits for the decision, records it, and goes back to running', async () => {
    const { gate, requests, decided, statuses } = makeGate(policy({}));
    const answer = gate.check('Bash', bash('npm test'), { toolUseID: 'toolu_1' });
    await waitFor(() => requests().length === 1, 'the request');
    const request = requests()[0]!;
    expect(ApprovalId.safeParse(request.approvalId).success).toBe(true);
    expect(request).toMatchObject({
      tool: 'Bash',
      input: bash('npm test'),
      summary: '$ npm test',
      pattern: 'Bash(npm test:*)',
      toolUseId: 'toolu_1',
      timeoutMs: 600_000,
    });
    expect(statuses()).toEqual(['awaiting_approval']);
    gate.resolve(decision(request.approvalId), 'Bash(npm test)');
    expect(await answer).toEqual({ behavior: 'allow', updatedInput: bash('npm test') });
    expect(decided()).toEqual([decision(request.approvalId)]);
    expect(statuses()).toEqual(['awaiting_approval', 'running']);
    // Not remembered: the next identical call is asked again.
    void gate.check('Bash', bash('npm test'));
    await waitFor(() => requests().length === 2, 'a second request');
  });

  it('tells Claude who denied it and why, or that nobody answered', async () => {
    const { gate, requests } = makeGate(policy({}));
    const denied = gate.check('Write', { file_path: 'a', content: '' });
    await waitFor(() => requests().length === 1, 'the request');
    gate.resolve(
      decision(requests()[0]!.approvalId, { status: 'denied', decision: 'deny', message: 'use a branch' }),
      'Write',
    );
    expect(await denied).toEqual({
      behavior: 'deny',
      message: 'ada@example.com denied this Write call with the message: use a branch.',
    });
    const expired = gate.check('Bash', bash('make'));
    await waitFor(() => requests().length === 2, 'the second request');
    gate.resolve(
      decision(requests()[1]!.approvalId, {
        status: 'expired',
        decision: 'deny',
        decidedBy: 'system',
        reason: 'timeout',
      }),
    );
    const result = await expired;
    expect(result.behavior === 'deny' && result.message).toContain('Nobody answered');
    expect(result.behavior === 'deny' && result.message).toContain('within 10 minutes');
  });

  it('remembers an allowed pattern for the rest of the run', async () => {
    const { gate, requests } = makeGate(policy({ deny: ['Write(secrets/**)'] }));
    const first = gate.check('Write', { file_path: 'a.ts', content: 'x' });
    await waitFor(() => requests().length === 1, 'the request');
    // The hub relays a pattern; a broader one than the request showed is not what the person saw, and is ignored.
    gate.resolve(decision(requests()[0]!.approvalId, { remember: 'execution' }), 'Write');
    expect(await first).toMatchObject({ behavior: 'allow' });
    expect(gate.standingGrants).toEqual(['Edit(./a.ts)']);
    expect(await gate.check('Edit', { file_path: 'a.ts', old_string: 'x', new_string: 'z' })).toMatchObject({
      behavior: 'allow',
    });
    expect(await gate.check('Write', { file_path: 'secrets/k', content: 'y' })).toMatchObject({ behavior: 'deny' });
    expect(requests()).toHaveLength(1);
    void gate.check('Write', { file_path: 'b.ts', content: 'y' });
    await waitFor(() => requests().length === 2, 'another file is asked about');
  });

  it('remembers a denied pattern: the same call is refused without asking again', async () => {
    const { gate, requests } = makeGate(policy({}));
    const first = gate.check('Bash', bash('curl example.com'));
    await waitFor(() => requests().length === 1, 'the request');
    const denial = { status: 'denied', decision: 'deny', remember: 'execution' } as const;
    gate.resolve(decision(requests()[0]!.approvalId, denial), 'Bash(curl example.com)');
    expect(await first).toMatchObject({ behavior: 'deny' });
    const again = await gate.check('Bash', bash('curl example.com'));
    expect(again.behavior === 'deny' && again.message).toContain('Bash(curl example.com)');
    expect(requests()).toHaveLength(1);
  });

  it('ignores repeated and unknown decisions', async () => {
    const { gate, requests, decided, statuses } = makeGate(policy({}));
    const answer = gate.check('Bash', bash('ls'));
    await waitFor(() => requests().length === 1, 'the request');
    const id = requests()[0]!.approvalId;
    gate.resolve(decision('ap_' + '0'.repeat(26)));
    gate.resolve(decision(id, { status: 'denied', decision: 'deny' }));
    gate.resolve(decision(id));
    gate.resolve(decision(id, { status: 'denied', decision: 'deny' }));
    expect(await answer).toMatchObject({ behavior: 'deny' });
    expect(decided()).toHaveLength(1);
    expect(statuses()).toEqual(['awaiting_approval', 'running']);
  });

  it('stops waiting when Claude Code aborts the call, and denies with interrupt', async () => {
    const { gate, requests, decided } = makeGate(policy({}));
    const abort = new AbortController();
    const answer = gate.check('Bash', bash('sleep 1'), { signal: abort.signal });
    await waitFor(() => requests().length === 1, 'the request');
    abort.abort();
    expect(await answer).toMatchObject({ behavior: 'deny', interrupt: true });
    expect(decided()[0]).toMatchObject({ status: 'cancelled', decision: 'deny', decidedBy: 'runner' });
    expect(gate.pending).toBe(0);
  });

  it('on close denies every waiting call and every later one, with no running status', async () => {
    const { gate, requests, decided, statuses } = makeGate(policy({}));
    const answer = gate.check('Bash', bash('ls'));
    await waitFor(() => requests().length === 1, 'the request');
    gate.close('the execution was cancelled');
    expect(await answer).toEqual({
      behavior: 'deny',
      message: 'This Bash call was not approved: the execution was cancelled.',
      interrupt: true,
    });
    expect(decided()[0]).toMatchObject({ status: 'cancelled', reason: 'the execution was cancelled' });
    expect(await gate.check('Bash', bash('pwd'))).toMatchObject({ behavior: 'deny', interrupt: true });
    expect(requests()).toHaveLength(1);
    expect(statuses()).toEqual(['awaiting_approval']);
  });

  it('reports awaiting_approval once for concurrent approvals and running after the last', async () => {
    const { gate, requests, statuses } = makeGate(policy({}));
    const a = gate.check('Bash', bash('a'));
    const b = gate.check('Bash', bash('b'));
    await waitFor(() => requests().length === 2, 'two requests');
    expect(statuses()).toEqual(['awaiting_approval']);
    gate.resolve(decision(requests()[1]!.approvalId));
    await b;
    expect(statuses()).toEqual(['awaiting_approval']);
    gate.resolve(decision(requests()[0]!.approvalId));
    await a;
    expect(statuses()).toEqual(['awaiting_approval', 'running']);
  });

  it('bounds a huge input so the event stays small', async () => {
    const { gate, requests } = makeGate(policy({}));
    void gate.check('mcp__x__y', { blob: 'z'.repeat(100_000) });
    await waitFor(() => requests().length === 1, 'the request');
    expect(requests()[0]!.input).toMatchObject({ truncated: true });
    expect(JSON.stringify(requests()[0]).length).toBeLessThan(48 * 1024);
  });
});
