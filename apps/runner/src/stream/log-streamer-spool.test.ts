// Unit tests of the log streamer with a spool and a redactor, against a loopback hub: replay after a restart, long
// offline runs, compaction on ack, and secrets that never reach the hub or the spool file.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventDraft, ExecutionEvent } from '@claudeops/control-plane/protocol';
import { splitText, TEXT_CHUNK_BYTES } from '../agent/agent-events';
import { FakeHub } from '../testing/fake-hub';
import { LogStreamer, type LogStreamerOptions } from './log-streamer';
import { CANARIES, CONFIGURED, expectNoMaterial } from '../testing/redaction-canaries';
import { createRedactor, REDACTED } from '../secrets/redactor';
import { Spool } from './spool';
import { executionId, FAST_BACKOFF, waitFor } from '../testing/test-helpers';

const ID = executionId(7);
const ts = () => new Date().toISOString();
const text = (n: number): EventDraft => ({
  type: 'assistant.text',
  ts: ts(),
  data: { messageId: 'm', text: `line ${n}` },
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqs = (events: ExecutionEvent[]) => events.map((event) => event.seq);

let root: string;
let hub: FakeHub;
const streamers: LogStreamer[] = [];

/** A streamer as a runner process has it; a second one on the same state dir is the runner after a restart. */
function open(options: Partial<LogStreamerOptions> = {}, segmentBytes = 64 * 1024): LogStreamer {
  const streamer = new LogStreamer({
    url: hub.server.url,
    token: 'cor_test',
    executionId: ID,
    backoff: FAST_BACKOFF,
    handlers: { onCancel: () => undefined, onClosed: () => undefined },
    spool: Spool.open(root, ID, { segmentBytes }),
    ...options,
  });
  streamers.push(streamer);
  return streamer;
}

/** Every line of every file of the execution's spool. */
const spoolText = () =>
  readdirSync(join(root, ID))
    .map((name) => readFileSync(join(root, ID, name), 'utf8'))
    .join('');
const spoolSeqs = () =>
  spoolText()
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as ExecutionEvent).seq);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'claudeops-spooled-'));
  hub = new FakeHub();
  await hub.start();
});
afterEach(async () => {
  for (const streamer of streamers.splice(0)) streamer.stop();
  await hub.server.close();
  await rm(root, { recursive: true, force: true });
});

describe('LogStreamer with a spool', () => {
  it('replays what a stopped runner left in its spool exactly once, in order, after a restart', async () => {
    const first = open();
    first.start();
    for (let n = 1; n <= 100; n++) first.emit(text(n));
    await first.drained();
    // The control plane goes away; the run goes on, then the runner is stopped (or dies) before it returns.
    hub.refuseWith = 503;
    hub.last.terminate();
    for (let n = 101; n <= 300; n++) first.emit(text(n));
    first.stop();
    expect(Spool.list(root)).toEqual([ID]);

    hub.refuseWith = null;
    const second = open();
    second.start();
    for (let n = 301; n <= 320; n++) expect(second.emit(text(n))).toBe(n);
    await second.drained();
    expect(seqs(hub.stored)).toEqual(range(1, 320));
    expect(hub.stored.map((e) => (e.data as { text: string }).text)).toEqual(range(1, 320).map((n) => `line ${n}`));
    // Every event crossed the wire once: nothing acked was sent again.
    expect(hub.received(0)).toEqual(range(1, 100));
    expect(hub.received(hub.sockets.length - 1)).toEqual(range(101, 320));
    second.stop();
    expect(Spool.list(root)).toEqual([]);
  });

  it('keeps a run of thousands of events while the hub is unreachable, then delivers them all in order', async () => {
    // Memory holds a few events; the rest must come back from the spool.
    const s = open({ maxMemoryBytes: 4096 }, 16 * 1024);
    hub.refuseWith = 503;
    s.start();
    for (let n = 1; n <= 5000; n++) s.emit(text(n));
    expect(s.progress).toMatchObject({ lastSeq: 5000, unacked: 5000 });
    expect(spoolSeqs()).toEqual(range(1, 5000));

    hub.refuseWith = null;
    // A cut in the middle of the catch-up: the hub keeps what it stored, the runner goes on after its ack.
    await waitFor(() => hub.stored.length > 1000, 'the catch-up to start');
    hub.last.terminate();
    await s.drained();
    expect(seqs(hub.stored)).toEqual(range(1, 5000));
    expect(s.progress).toMatchObject({ ackedSeq: 5000, unacked: 0 });
  });

  it('compacts the spool as the hub acks', async () => {
    const s = open({}, 4096);
    hub.autoAck = false;
    s.start();
    for (let n = 1; n <= 400; n++) s.emit(text(n));
    await waitFor(() => hub.stored.length === 400, 'the hub to store everything');
    const full = s.spooledBytes;
    expect(spoolSeqs()).toEqual(range(1, 400));

    hub.send({ type: 'exec.ack', seq: 250 });
    await waitFor(() => s.progress.ackedSeq === 250, 'the ack');
    expect(s.spooledBytes).toBeLessThan(full / 2);
    const left = spoolSeqs();
    expect(left.filter((seq) => seq > 250)).toEqual(range(251, 400));
    expect(left.length).toBeLessThan(150 + 60); // at most one segment's worth of acked events

    hub.ack();
    await s.drained();
    expect(spoolSeqs()).toEqual([]);
  });
});

describe('LogStreamer with a redactor', () => {
  it('never lets a secret reach the spool or the hub, split across events or chunks or not', async () => {
    const s = open({ redactor: createRedactor([CONFIGURED]) });
    hub.refuseWith = 503;
    s.start();
    for (const canary of CANARIES) {
      s.emit({ type: 'assistant.text', ts: ts(), data: { messageId: 'm1', text: `whole: ${canary.text}.` } });
      // Split across two consecutive events, in the middle of the secret.
      const half = Math.floor(canary.text.length / 2);
      s.emit({
        type: 'tool.result',
        ts: ts(),
        data: { toolUseId: 't', isError: false, content: `a ${canary.text.slice(0, half)}` },
      });
      s.emit({
        type: 'tool.result',
        ts: ts(),
        data: { toolUseId: 't', isError: false, content: `${canary.text.slice(half)} b` },
      });
      // A long text split into chunks by the agent's mapper, the secret across the chunk boundary.
      const long = `${'x'.repeat(TEXT_CHUNK_BYTES - 8)} ${canary.text} tail`;
      for (const chunk of splitText(long, TEXT_CHUNK_BYTES)) {
        s.emit({ type: 'assistant.text', ts: ts(), data: { messageId: 'm2', text: chunk } });
      }
      s.emit({
        type: 'tool.call',
        ts: ts(),
        data: { messageId: 'm3', toolUseId: 't', name: 'Bash', input: { command: `echo ${canary.text}` } },
      });
      s.emit({
        type: 'usage',
        ts: ts(),
        data: {
          messageId: 'm3',
          model: 'x',
          inputTokens: 1,
          outputTokens: 1,
          cacheReadInputTokens: 0,
          cacheCreationInputTokens: 0,
        },
      });
    }
    // Stderr of a process printing a private key, one line per event.
    for (const line of CANARIES.at(-2)!.text.split('\n')) {
      s.emit({ type: 'log', ts: ts(), data: { level: 'warn', message: line } });
    }
    s.emit({ type: 'status', ts: ts(), data: { status: 'failed', reason: `could not use ${CONFIGURED}` } });
    // The status is no text: nothing is held back any more, everything is numbered and spooled.
    expect(spoolSeqs()).toEqual(range(1, s.progress.lastSeq));

    const spooled = spoolText();
    hub.refuseWith = null;
    await s.drained();
    const received = JSON.stringify(hub.frames);
    expect(received).toContain(REDACTED);
    for (const canary of CANARIES) {
      expectNoMaterial(spooled, canary.material, `${canary.name} in the spool`);
      expectNoMaterial(received, canary.material, `${canary.name} at the hub`);
    }
    expect(hub.stored.at(-1)).toMatchObject({ type: 'status', data: { reason: `could not use ${REDACTED}` } });
  });
});
