import type { CancelReason, Job } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import type { AgentHandle, AgentOutcome } from '../agent/agent';
import { RunningJob, type EventStream } from './running-job';

const job = { executionId: 'ex_01jobjobjobjobjobjobjobjob' } as Job;
const stream: EventStream = {
  start: () => undefined,
  emit: () => null,
  drained: async () => undefined,
  requestPermit: async () => ({ allowed: true, reason: null }),
  stop: () => undefined,
};

function fakeHandle(): AgentHandle & { cancels: CancelReason[] } {
  const cancels: CancelReason[] = [];
  return { cancels, done: new Promise<AgentOutcome>(() => undefined), pid: undefined, cancel: (r) => cancels.push(r) };
}

describe('RunningJob', () => {
  it('keeps the first cancel reason and passes it to Claude Code once', () => {
    const running = new RunningJob(job, stream);
    const handle = fakeHandle();
    running.agentStarted(handle);
    expect(running.cancel('user')).toBe(true);
    expect(running.cancel('budget')).toBe(false);
    expect(handle.cancels).toEqual(['user']);
    expect(running.abort.signal.aborted).toBe(true);
    expect(running.finish({ status: 'cancelled' })).toBe('cancelled by user');
  });

  it('passes a cancel that came before Claude Code started on as soon as it starts', () => {
    const running = new RunningJob(job, stream);
    running.cancel('runner_shutdown');
    const handle = fakeHandle();
    running.agentStarted(handle);
    expect(handle.cancels).toEqual(['runner_shutdown']);
    expect(running.stopped()).toEqual({ status: 'cancelled', reason: 'the runner shut down' });
  });

  it('says which budget stopped a budget cancel, the first note winning', () => {
    const running = new RunningJob(job, stream);
    running.noteBudget('budget global: hard limit $1.00 reached ($1.02 spent)');
    running.noteBudget('another');
    running.cancel('budget');
    expect(running.finish({ status: 'cancelled' })).toBe(
      'cancelled: budget global: hard limit $1.00 reached ($1.02 spent)',
    );
  });

  it('asks the caller to stop a run whose log the hub closed, once, and never after it finished', () => {
    const running = new RunningJob(job, stream);
    expect(running.ending).toBe(false);
    expect(running.closeLog()).toBe(true);
    expect(running.closeLog()).toBe(false);
    expect(running.ending).toBe(true);
    expect(running.stopText()).toBe('the runner lost its lease on this execution');

    const finished = new RunningJob(job, stream);
    finished.finish({ status: 'succeeded' });
    expect(finished.closeLog()).toBe(false);
    expect(finished.cancel('user')).toBe(false);
  });
});
