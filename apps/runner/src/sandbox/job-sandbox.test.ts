import type { EventDraft, RunnerToFleet } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import { JobRunner } from '../jobs/job-runner';
import { createLogger } from '../support/logger';
import { testJob } from '../testing/test-helpers';
import { confineJob, sandboxRefusal } from './job-sandbox';
import { Sandbox } from './sandbox';

const silent = createLogger('job-sandbox-test');

describe('sandboxRefusal', () => {
  it('refuses a job requiring a sandbox on an unconfined runner only', () => {
    expect(sandboxRefusal({ requireSandbox: true }, 'none')).toMatch(/requires a sandbox/);
    expect(sandboxRefusal({ requireSandbox: true }, 'bubblewrap')).toBeNull();
    expect(sandboxRefusal({ requireSandbox: false }, 'none')).toBeNull();
  });

  it('an unconfined job runner answers such an offer with job.reject and never starts it', () => {
    const sent: RunnerToFleet[] = [];
    let started = false;
    const jobs = new JobRunner({
      maxConcurrent: 1,
      workspacesDir: '/nonexistent',
      startAgent: () => {
        started = true;
        throw new Error('must not start');
      },
      openStream: () => {
        throw new Error('must not open a stream');
      },
      send: (frame) => sent.push(frame),
      log: silent,
    });
    const job = { ...testJob(1), requireSandbox: true };
    jobs.offer(job);
    expect(sent).toEqual([
      {
        type: 'job.reject',
        executionId: job.executionId,
        reason: 'the job requires a sandbox and this runner runs Claude Code unconfined (sandbox: none)',
      },
    ]);
    expect(started).toBe(false);
  });
});

describe('confineJob', () => {
  it('opens the run log with how it runs and what this runner cannot enforce', async () => {
    const sandbox = await Sandbox.start({
      mode: 'off',
      stateDir: '/x',
      workspacesDir: '/x/w',
      reposDir: '/x/r',
      log: silent,
      cgroups: { v1: {} },
    });
    const emitted: EventDraft[] = [];
    const run = await confineJob({
      sandbox,
      job: { executionId: 'ex_a', network: 'model-only', limits: { memoryMb: 256 } },
      cwd: '/x/w/ex_a',
      env: {},
      emit: (draft) => emitted.push(draft),
    });
    expect(emitted.map((draft) => draft.type === 'log' && [draft.data.level, draft.data.message])).toEqual([
      ['info', 'sandbox: none (turned off by --sandbox off), network open, limits memory 256 MB'],
      ['warn', expect.stringMatching(/^resource limits are not enforced on this host/)],
      ['warn', 'network policy model-only is not enforced: the runner has no sandbox'],
    ]);
    await run.dispose();
  });
});
