// GET /api/v1/executions/:id/export in the Workers runtime: a run recorded through its hub (text, a tool call and
// its result, usage, an approval and its answer, the commit and the patch, the result) comes back as a valid JSON
// bundle, as Markdown and as one inert HTML file, each an attachment; bad input is a 4xx; a long log is cut at the
// caps with a note saying how to read on.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { readTranscript } from '../src/export/gather';
import { ExportBundle, type EventData, type ExecutionEvent } from '../src/protocol';
import { api, ADMIN_TOKEN, expectError, registerRunner } from './api-support';
import { decide, requestedEvent, decidedEvent } from './approvals-support';
import { createExecution, EXECUTIONS, setStatus } from './attempts-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  logEvents,
  sendBatch,
  statusEvent,
  storedEvents,
} from './do-support';
import { usageData, usageEvent } from './hub-support';

const HOSTILE = '<script>alert(1)</script>';
const MODEL = 'claude-sonnet-4-5-20250929';
const ts = () => new Date().toISOString();
const DIFF = 'diff --git a/x.txt b/x.txt\n--- /dev/null\n+++ b/x.txt\n@@ -0,0 +1 @@\n+hello\n';

const event = <T extends ExecutionEvent['type']>(seq: number, type: T, data: EventData<T>) =>
  ({ seq, ts: ts(), type, data }) as ExecutionEvent;

const exportOf = (id: string, format?: string, token: string | null = ADMIN_TOKEN) =>
  api(`${EXECUTIONS}/${id}/export${format === undefined ? '' : `?format=${format}`}`, { token });

/** A run recorded as a runner records one, ended, with its patch uploaded and its D1 row caught up. */
async function recordedRun() {
  const runner = await registerRunner();
  const { id } = await createExecution({ prompt: `Write x.txt ${HOSTILE}` });
  await setStatus(id, 'assigned', runner.runnerId);
  const hub = await connectHubRunner(id);
  await hub.next('exec.welcome');
  const asked = requestedEvent(5);
  await sendBatch(hub, [
    statusEvent(1, 'running'),
    event(2, 'assistant.text', { messageId: 'm1', text: `Writing it. ${HOSTILE}` }),
    event(3, 'tool.call', { messageId: 'm1', toolUseId: 'toolu_1', name: 'Bash', input: { command: 'echo hello' } }),
    usageEvent(4, usageData(MODEL, { inputTokens: 1000, outputTokens: 100 })),
    asked,
  ]);
  const approvalId = asked.data.approvalId;
  await eventually(async () =>
    expect((await decide(approvalId, { decision: 'allow', message: 'ok' })).status).toBe(200),
  );
  await sendBatch(hub, [
    decidedEvent(6, {
      approvalId,
      status: 'allowed',
      decision: 'allow',
      decidedBy: 'admin',
      message: 'ok',
      remember: null,
      reason: null,
    }),
    event(7, 'tool.result', { toolUseId: 'toolu_1', isError: false, content: 'hello' }),
    event(8, 'git', {
      repo: '/srv/repo',
      baseRef: 'main',
      baseCommit: 'a'.repeat(40),
      branch: `claudeops/${id}`,
      commit: 'b'.repeat(40),
      message: 'Write x.txt',
      files: [{ path: 'x.txt', insertions: 1, deletions: 0 }],
      insertions: 1,
      deletions: 0,
      patchBytes: DIFF.length,
      patchTruncated: false,
    }),
    event(9, 'result', {
      subtype: 'success',
      isError: false,
      text: `Done. ${HOSTILE}`,
      totalCostUsd: 0.05,
      numTurns: 2,
      durationMs: 2000,
      sessionId: 'session-1',
      structured: { verdict: 'approve' },
    }),
    statusEvent(10, 'succeeded'),
  ]);
  const put = await api(`${EXECUTIONS}/${id}/patch`, {
    method: 'PUT',
    token: runner.runnerToken,
    headers: { 'content-type': 'text/x-diff' },
    body: DIFF,
  });
  expect(put.status).toBe(204);
  await eventually(async () => expect((await executionRow(id))?.status).toBe('succeeded'));
  return { id, runner, approvalId };
}

describe('execution export', () => {
  it('gives the whole record as a JSON bundle that validates against ExportBundle', async () => {
    const { id, approvalId } = await recordedRun();
    const response = await exportOf(id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="claudeops-${id}.json"`);
    const bundle = ExportBundle.parse(await response.json());
    expect(bundle).toMatchObject({ format: 'claudeops.execution-export', version: 1 });
    expect(bundle.execution).toMatchObject({ id, status: 'succeeded', costUsd: 0.05 });
    expect(bundle.attempts).toEqual([expect.objectContaining({ id, attempt: 1 })]);
    expect(bundle.transcript.truncated).toBeNull();
    expect(bundle.transcript.eventsRead).toBe(10);
    const tool = bundle.transcript.entries.find((e) => e.type === 'tool');
    expect(tool).toMatchObject({ name: 'Bash', input: { command: 'echo hello' }, result: { content: 'hello' } });
    expect(bundle.transcript.entries.filter((e) => e.type === 'approval').map((e) => e.status)).toEqual([
      'requested',
      'allowed',
    ]);
    expect(bundle.patch).toEqual({ text: DIFF, bytes: DIFF.length, truncated: false });
    expect(bundle.git?.commit).toBe('b'.repeat(40));
    expect(bundle.costs.models).toEqual([expect.objectContaining({ model: MODEL, inputTokens: 1000 })]);
    expect(bundle.costs.models[0]!.costUsd).toBeGreaterThan(0);
    expect(bundle.approvals).toEqual([
      expect.objectContaining({ id: approvalId, status: 'allowed', decision: 'allow', message: 'ok' }),
    ]);
    expect(bundle.result).toMatchObject({ text: `Done. ${HOSTILE}`, structured: { verdict: 'approve' } });
  });

  it('renders Markdown and a self-contained HTML file with a CSP that forbids scripts', async () => {
    const { id } = await recordedRun();
    const md = await exportOf(id, 'md');
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(md.headers.get('content-disposition')).toBe(`attachment; filename="claudeops-${id}.md"`);
    const text = await md.text();
    expect(text).toContain('## Transcript');
    expect(text).toContain('```diff\ndiff --git a/x.txt b/x.txt');
    expect(text).toContain('**Tool call: Bash**');

    const html = await exportOf(id, 'html');
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-disposition')).toBe(`attachment; filename="claudeops-${id}.html"`);
    const csp = html.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    const page = await html.text();
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('Writing it. &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('<span class="add">+hello</span>');
  });

  it('answers 404 for an unknown id, 400 for a bad format, 401 without a token and 403 for a runner', async () => {
    const { id, runner } = await recordedRun();
    await expectError(await exportOf(`ex_${'7'.repeat(26)}`), 404, 'NOT_FOUND', 'does not exist');
    await expectError(await exportOf(id, 'pdf'), 400, 'BAD_REQUEST', 'query.format');
    await expectError(await exportOf('not-an-id'), 400, 'BAD_REQUEST');
    await expectError(await exportOf(id, 'json', null), 401, 'UNAUTHORIZED');
    await expectError(await exportOf(id, 'json', runner.runnerToken), 403, 'FORBIDDEN');
  });
});

describe('export bounds', () => {
  it('reads at most the capped events and says how many are left and where to read on', async () => {
    const { id } = await createExecution();
    await setStatus(id, 'assigned');
    const hub = await connectHubRunner(id);
    await hub.next('exec.welcome');
    await sendBatch(hub, [statusEvent(1, 'running'), ...logEvents(2, 250)]);
    await sendBatch(hub, [...logEvents(251, 299), statusEvent(300, 'failed', 'exit 1')]);
    const row = await eventually(async () => {
      const current = await executionRow(id);
      expect(current?.lastSeq).toBe(300);
      return current!;
    });
    expect(await storedEvents(id, 0, 5000)).toHaveLength(300);

    const byCount = await readTranscript(env, row, { maxEvents: 120, maxBytes: 1 << 30 });
    expect(byCount.transcript.eventsRead).toBe(120);
    expect(byCount.transcript.truncated).toMatchObject({ after: 120, moreEvents: 180 });
    expect(byCount.transcript.truncated?.note).toBe(
      `truncated: 180 more events after seq 120; fetch them with GET /api/v1/executions/${id}/events?after=120`,
    );

    const byBytes = await readTranscript(env, row, { maxEvents: 10_000, maxBytes: 2000 });
    expect(byBytes.transcript.eventsRead).toBeGreaterThan(0);
    expect(byBytes.transcript.eventsRead).toBeLessThan(30);
    expect(byBytes.transcript.truncated?.after).toBe(byBytes.transcript.eventsRead);

    const whole = await readTranscript(env, row, { maxEvents: 300, maxBytes: 1 << 30 });
    expect(whole.transcript).toMatchObject({ eventsRead: 300, truncated: null });
  });
});
