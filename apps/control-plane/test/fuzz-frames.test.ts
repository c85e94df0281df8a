// Property-based fuzz of the three WebSockets, opened through the Worker's routes: a runner's control socket (Fleet),
// a runner's stream socket (ExecutionHub) and a viewer socket (ExecutionHub). Each gets frames of every `type` of
// every protocol union, generated from the schemas with a hostile part, and garbage text and binary. A refused frame
// is answered with an `error` frame (never INTERNAL) or a clean close, and a valid frame afterwards still works.
import fc from 'fast-check';
import type { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { Execution, RunnerToFleet, RunnerToHub } from '../src/protocol';
import { ADMIN_TOKEN, api, type SocketInbox } from './api-support';
import {
  accepts,
  countErrors,
  describeSent,
  frameArbitrary,
  frameProblems,
  frameTypes,
  isCleanClose,
  openRaw,
  type RawSocket,
  type Sent,
} from './fuzz-sockets';
import { connectedRunner, leasedExecution, type RunnerCredentials } from './fuzz-world';
import type { FleetToRunner } from '../src/protocol';

/** Batches per socket kind, each of up to four frames then a probe. */
const RUNS = 100;
const batch = (own: z.ZodDiscriminatedUnion | null, live: () => string | null) =>
  fc.array(frameArbitrary(own, live), { minLength: 1, maxLength: 4 });

const label = `frames-${crypto.randomUUID().slice(0, 8)}`;
/** Holds the executions whose stream sockets are fuzzed; its own control socket is never fuzzed. */
let holder: { runner: RunnerCredentials; control: SocketInbox<FleetToRunner> };
/** The runner whose control socket is fuzzed. */
let target: RunnerCredentials;
let viewed: string;

beforeAll(async () => {
  const held = await connectedRunner(label, 'frames-holder', 64);
  holder = { runner: held.runner, control: held.control };
  target = (await connectedRunner(`${label}-target`, 'frames-target')).runner;
  const created = await api('/api/v1/executions', { method: 'POST', body: { prompt: 'watch me', labels: ['nobody'] } });
  viewed = Execution.parse(await created.json()).id;
}, 60_000);

const hello = () =>
  JSON.stringify({
    type: 'runner.hello',
    version: 'fuzz',
    name: 'frames-target',
    labels: [`${label}-target`],
    maxConcurrent: 4,
    running: [],
  });

const isType = (type: string) => (frame: { type?: unknown }) => frame.type === type;

/** After a closed socket: the close was clean, and a fresh socket works. */
async function expectCleanCloseAndFresh(socket: RawSocket, reopen: () => Promise<boolean>, what: string) {
  expect(
    isCleanClose(socket.closed!.code),
    `${what}: closed with ${socket.closed!.code} ${socket.closed!.reason}`,
  ).toBe(true);
  expect(await reopen(), `${what}: a fresh socket works`).toBe(true);
}

describe('frames of every type, hostile and garbage, on every socket', () => {
  it('covers every frame type of the protocol', () => {
    expect(frameTypes().length).toBeGreaterThanOrEqual(20);
  });

  it(
    'runner control socket (Fleet): refuses with an error frame, then a hello is still welcomed',
    { timeout: 90_000 },
    async () => {
      let socket = await openRaw('/api/v1/runners/connect', target.runnerToken);
      const reopen = async () => {
        socket = await openRaw('/api/v1/runners/connect', target.runnerToken);
        socket.send(hello());
        return socket.until(() => socket.frames().some(isType('runner.welcome')));
      };
      await fc.assert(
        fc.asyncProperty(
          batch(RunnerToFleet, () => null),
          async (sent) => {
            if (socket.closed !== null) await reopen();
            const from = socket.texts.length;
            const invalid = sent.filter((s) => !accepts(RunnerToFleet, s)).length;
            const hellos = sent.filter(
              (s) => accepts(RunnerToFleet, s) && s.toString().includes('runner.hello'),
            ).length;
            for (const s of sent) socket.send(s);
            socket.send(hello());
            const what = describeSent(sent);
            const answered = await socket.until(
              () =>
                socket.frames(from).filter(isType('runner.welcome')).length >= hellos + 1 &&
                countErrors(socket, from) >= invalid,
            );
            expect(frameProblems(socket, from), what).toEqual([]);
            if (socket.closed !== null) await expectCleanCloseAndFresh(socket, reopen, what);
            else expect(answered, `${what}: every refused frame answered, then welcomed`).toBe(true);
          },
        ),
        { numRuns: RUNS },
      );
      socket.close();
    },
  );

  it(
    'runner stream socket (hub): refuses with an error frame, then a permit is still answered',
    { timeout: 90_000 },
    async () => {
      let live: string | null = null;
      let socket: RawSocket | null = null;
      let probes = 0;
      /** A fresh execution held by the holder and its stream; after a log closed or a socket refused, the next. */
      const reopen = async () => {
        socket?.close();
        live = await leasedExecution(label, holder.control);
        socket = await openRaw(`/api/v1/executions/${live}/stream`, holder.runner.runnerToken);
        const opened = socket;
        return opened.until(() => opened.frames().some(isType('exec.welcome')));
      };
      await reopen();
      await fc.assert(
        fc.asyncProperty(
          batch(RunnerToHub, () => live),
          async (sent) => {
            let current = socket!;
            if (current.closed !== null || current.frames().some(isType('exec.closed'))) {
              await reopen();
              current = socket!;
            }
            const from = current.texts.length;
            const invalid = sent.filter((s) => !accepts(RunnerToHub, s)).length;
            const requestId = `probe-${++probes}`;
            for (const s of sent) current.send(s);
            current.send(JSON.stringify({ type: 'exec.permit', requestId }));
            const what = describeSent(sent);
            const answered = await current.until(
              () =>
                current.frames(from).some((f) => f.type === 'exec.permit.result' && f.requestId === requestId) &&
                countErrors(current, from) >= invalid,
            );
            expect(frameProblems(current, from), what).toEqual([]);
            if (current.closed !== null) await expectCleanCloseAndFresh(current, reopen, what);
            else expect(answered, `${what}: every refused frame answered, then the permit`).toBe(true);
          },
        ),
        { numRuns: RUNS },
      );
      socket!.close();
    },
  );

  it(
    'viewer socket (hub): refuses every frame but ping, still pongs, and a new viewer still gets ready',
    { timeout: 90_000 },
    async () => {
      const path = `/api/v1/executions/${viewed}/events?after=0`;
      let socket = await openRaw(path, ADMIN_TOKEN);
      await fc.assert(
        fc.asyncProperty(
          batch(null, () => viewed),
          async (sent) => {
            if (socket.closed !== null) socket = await openRaw(path, ADMIN_TOKEN);
            const from = socket.texts.length;
            const refused = sent.filter((s) => s !== 'ping').length;
            const pongs = sent.filter((s) => s === 'ping').length + 1;
            for (const s of sent) socket.send(s);
            socket.send('ping');
            const what = describeSent(sent);
            const answered = await socket.until(
              () =>
                socket.texts.slice(from).filter((t) => t === 'pong').length >= pongs &&
                countErrors(socket, from) >= refused,
            );
            expect(frameProblems(socket, from), what).toEqual([]);
            if (socket.closed !== null) {
              expect(isCleanClose(socket.closed.code), `${what}: closed with ${socket.closed.code}`).toBe(true);
            } else {
              expect(answered, `${what}: every frame refused, the ping answered`).toBe(true);
            }
            const fresh = await openRaw(path, ADMIN_TOKEN);
            expect(
              await fresh.until(() => fresh.frames().some(isType('ready'))),
              `${what}: a new viewer is ready`,
            ).toBe(true);
            fresh.close();
          },
        ),
        { numRuns: RUNS },
      );
      socket.close();
    },
  );

  it('an oversize frame (1.5 MiB) gets an error frame or a clean close, on every socket', async () => {
    const big: Sent = JSON.stringify({ type: 'exec.permit', requestId: 'x'.repeat(1.5 * 1024 * 1024) });
    const streamId = await leasedExecution(label, holder.control);
    const sockets = [
      await openRaw('/api/v1/runners/connect', target.runnerToken),
      await openRaw(`/api/v1/executions/${streamId}/stream`, holder.runner.runnerToken),
      await openRaw(`/api/v1/executions/${viewed}/events`, ADMIN_TOKEN),
    ];
    for (const socket of sockets) {
      const from = socket.texts.length;
      socket.send(big);
      const refused = await socket.until(() => countErrors(socket, from) >= 1);
      expect(frameProblems(socket, from)).toEqual([]);
      if (socket.closed === null) expect(refused, 'an error frame answers it').toBe(true);
      else expect(isCleanClose(socket.closed.code), `closed with ${socket.closed.code}`).toBe(true);
      socket.close();
    }
  });
});
