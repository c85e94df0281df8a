import type { EventDraft } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import { JobPause } from './job-pause';

function recorded() {
  const drafts: EventDraft[] = [];
  const pause = new JobPause((draft) => drafts.push(draft));
  const statuses = () => drafts.map((d) => (d.type === 'status' ? d.data : null));
  return { pause, statuses };
}

describe('JobPause', () => {
  it('records a hub pause once (a welcome repeats it) and the status to go back to after the resume', () => {
    const { pause, statuses } = recorded();
    pause.hubPaused({ reason: 'user', message: 'paused by admin' });
    pause.hubPaused({ reason: 'user', message: 'paused by admin' });
    // An approval asked meanwhile does not show while paused; the resume goes back to it.
    pause.gateStatus('awaiting_approval');
    expect(pause.paused).toBe(true);
    pause.hubResumed();
    expect(pause.paused).toBe(false);
    expect(statuses()).toEqual([
      { status: 'paused', pausedReason: 'user', reason: 'paused by admin' },
      { status: 'awaiting_approval' },
    ]);
  });

  it('a rate limit shows its resumeAt and ends by itself; a hub pause meanwhile wins', () => {
    const { pause, statuses } = recorded();
    const until = new Date('2026-12-04T03:00:00.000Z');
    pause.rateLimited(until);
    pause.rateLimited(new Date('2026-12-04T02:59:00.000Z'));
    pause.rateLimitCleared();
    expect(pause.paused).toBe(true);
    pause.rateLimitCleared();
    expect(pause.paused).toBe(false);
    pause.rateLimited(until);
    pause.hubPaused({ reason: 'budget', message: null });
    pause.rateLimitCleared();
    expect(statuses()).toEqual([
      {
        status: 'paused',
        pausedReason: 'rate_limited',
        reason: expect.stringContaining('03:00'),
        resumeAt: until.toISOString(),
      },
      { status: 'running' },
      { status: 'paused', pausedReason: 'rate_limited', reason: expect.any(String), resumeAt: until.toISOString() },
      { status: 'paused', pausedReason: 'budget' },
    ]);
  });

  it('a breakpoint holds until the resume (true) or the end of the run (false)', async () => {
    const { pause, statuses } = recorded();
    const held = pause.breakpoint('breakpoint onTool Bash(git push:*): Bash git push');
    // The hub echoes the runner's own breakpoint pause: nothing new is recorded.
    pause.hubPaused({ reason: 'breakpoint', message: 'breakpoint onTool Bash(git push:*): Bash git push' });
    pause.hubResumed();
    expect(await held).toBe(true);
    const second = pause.breakpoint('breakpoint onFileChange migrations/**: migrations/1.sql changed');
    pause.end();
    expect(await second).toBe(false);
    expect(statuses()).toEqual([
      { status: 'paused', pausedReason: 'breakpoint', reason: 'breakpoint onTool Bash(git push:*): Bash git push' },
      { status: 'running' },
      { status: 'paused', pausedReason: 'breakpoint', reason: expect.stringContaining('migrations/1.sql') },
    ]);
    // After the end nothing more is recorded.
    pause.hubPaused({ reason: 'user', message: null });
    expect(statuses()).toHaveLength(3);
  });
});
