// Unit test of the wired runner's redaction: secrets from the secrets file, from CLAUDEOPS_REDACT_ENV and from the
// environment Claude Code gets never reach the (fake) control plane, whichever event carries them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AgentOutcome } from '../agent/agent';
import { startRunner, type RunningRunner } from './daemon';
import { FakeControlPlane, GOOD_REGISTRATION_TOKEN } from '../testing/fake-control-plane';
import type { StartAgent } from '../jobs/job-runner';
import { REDACTED } from '../secrets/redactor';
import { executionId, FAST_BACKOFF, testJob, waitFor } from '../testing/test-helpers';

const FILE_SECRET = 'file-Wq8z-Secret-Kp3';
const ENV_SECRET = 'env-Jx5v-Secret-Rt9';
const API_KEY = 'apikey-Hn2c-Value-Ls6';
const ID = executionId(9);

let dir: string;
let plane: FakeControlPlane;
let runner: RunningRunner | undefined;

/** Says every secret it can find, in text split across events, in a tool call and in its failure. */
const leakyAgent: StartAgent = (job, emit) => {
  const ts = new Date().toISOString();
  const all = `${FILE_SECRET} ${ENV_SECRET} ${job.env.ANTHROPIC_API_KEY}`;
  emit({ type: 'assistant.text', ts, data: { messageId: 'm', text: `here: ${all.slice(0, 9)}` } });
  emit({ type: 'assistant.text', ts, data: { messageId: 'm', text: `${all.slice(9)} done` } });
  emit({ type: 'tool.call', ts, data: { messageId: 'm', toolUseId: 't', name: 'Bash', input: { command: all } } });
  const outcome: AgentOutcome = { status: 'failed', reason: `gave up with ${all}` };
  return { done: Promise.resolve(outcome), pid: undefined, cancel: () => undefined };
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-redaction-'));
  plane = new FakeControlPlane();
  await plane.start();
});
afterEach(async () => {
  await runner?.stop();
  await plane.close();
  await rm(dir, { recursive: true, force: true });
});

it('redacts the secrets file, CLAUDEOPS_REDACT_ENV and secret-named variables from every event', async () => {
  await writeFile(join(dir, 'secrets'), `# secrets of this host\n${FILE_SECRET}\n`);
  runner = await startRunner(
    {
      url: plane.url,
      registrationToken: GOOD_REGISTRATION_TOKEN,
      name: 'box',
      labels: [],
      maxConcurrent: 1,
      stateDir: join(dir, 'state'),
      workspacesDir: join(dir, 'workspaces'),
      secretsFile: join(dir, 'secrets'),
    },
    {
      startAgent: leakyAgent,
      backoff: FAST_BACKOFF,
      metrics: async () => ({ cpuLoadPercent: 1, memUsedBytes: 1, memTotalBytes: 2 }),
      env: { ANTHROPIC_API_KEY: API_KEY, CLAUDEOPS_REDACT_ENV: 'MY_SECRET', MY_SECRET: ENV_SECRET, PATH: '/usr/bin' },
    },
  );
  await waitFor(() => plane.fleetFrames.length > 0, 'the hello');
  plane.offer(testJob(0, { executionId: ID, prompt: 'leak' }));
  await waitFor(() => plane.events(ID).some((e) => e.type === 'status' && e.data.status === 'failed'), 'the end');
  const stored = JSON.stringify(plane.events(ID));
  expect(stored).toContain(REDACTED);
  for (const secret of [FILE_SECRET, ENV_SECRET, API_KEY]) {
    for (let i = 0; i + 6 <= secret.length; i++) expect(stored).not.toContain(secret.slice(i, i + 6));
  }
  expect(plane.events(ID).at(-1)).toMatchObject({
    data: { status: 'failed', reason: expect.stringContaining(REDACTED) },
  });
});
