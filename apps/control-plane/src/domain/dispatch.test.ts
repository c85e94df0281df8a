// Unit tests for choosing a runner for a job: labels, free slots, fairness.
import { describe, expect, it } from 'vitest';
import { freeSlots, pickRunner, pinnedReason, satisfiesLabels, type RunnerSlots } from './dispatch';

const runner = (runnerId: string, over: Partial<RunnerSlots> = {}): RunnerSlots => ({
  runnerId,
  labels: [],
  maxConcurrent: 1,
  leased: 0,
  lastOfferedAt: 0,
  offerable: true,
  ...over,
});

describe('satisfiesLabels', () => {
  it('needs every job label on the runner', () => {
    expect(satisfiesLabels(['gpu', 'linux'], ['gpu'])).toBe(true);
    expect(satisfiesLabels(['linux'], ['gpu'])).toBe(false);
    expect(satisfiesLabels([], [])).toBe(true);
  });
});

describe('pickRunner', () => {
  it('skips runners without the labels, without a free slot, or not taking offers', () => {
    const runners = [
      runner('r1', { labels: ['cpu'] }),
      runner('r2', { labels: ['gpu'], leased: 1 }),
      runner('r3', { labels: ['gpu'], offerable: false }),
      runner('r4', { labels: ['gpu', 'linux'] }),
    ];
    expect(pickRunner(runners, ['gpu'])?.runnerId).toBe('r4');
    expect(pickRunner(runners.slice(0, 3), ['gpu'])).toBeNull();
  });

  it('prefers the runner with most free slots, then the one offered least recently', () => {
    expect(
      pickRunner([runner('r1', { maxConcurrent: 2 }), runner('r2', { maxConcurrent: 4, leased: 1 })], [])?.runnerId,
    ).toBe('r2');
    expect(pickRunner([runner('r1', { lastOfferedAt: 20 }), runner('r2', { lastOfferedAt: 10 })], [])?.runnerId).toBe(
      'r2',
    );
  });

  it('gives a retry to another runner than the one it was lost on, unless no other fits', () => {
    const runners = [runner('r1', { maxConcurrent: 4 }), runner('r2'), runner('r3', { labels: ['gpu'] })];
    expect(pickRunner(runners, [], 'r1')?.runnerId).toBe('r2');
    expect(pickRunner(runners, ['gpu'], 'r3')?.runnerId).toBe('r3');
    expect(pickRunner(runners, [], null)?.runnerId).toBe('r1');
  });

  it('spreads a stream of jobs across equal runners and never beyond their slots', () => {
    let runners = [runner('r1', { maxConcurrent: 2 }), runner('r2', { maxConcurrent: 2 })];
    const picks: string[] = [];
    for (let now = 1; now <= 5; now++) {
      const picked = pickRunner(runners, []);
      if (picked === null) break;
      picks.push(picked.runnerId);
      runners = runners.map((r) => (r === picked ? { ...r, leased: r.leased + 1, lastOfferedAt: now } : r));
    }
    expect(picks).toEqual(['r1', 'r2', 'r1', 'r2']);
    expect(runners.map(freeSlots)).toEqual([0, 0]);
  });
});

describe('pinned jobs (follow-ups)', () => {
  const runners = [runner('r1', { maxConcurrent: 4 }), runner('r2'), runner('r3', { labels: ['gpu'] })];

  it('go to the pinned runner only, even when another has more free slots', () => {
    expect(pickRunner(runners, [], null, 'r2')?.runnerId).toBe('r2');
  });

  it('wait (null) while the pinned runner is absent, full or not offerable, never going elsewhere', () => {
    expect(pickRunner(runners, [], null, 'r9')).toBeNull();
    expect(pickRunner([runner('r1', { maxConcurrent: 4 }), runner('r2', { leased: 1 })], [], null, 'r2')).toBeNull();
    expect(pickRunner([runner('r1'), runner('r2', { offerable: false })], [], null, 'r2')).toBeNull();
  });

  it('keep the label rule and ignore `avoid` (the session lives on the pinned runner)', () => {
    expect(pickRunner(runners, ['gpu'], null, 'r2')).toBeNull();
    expect(pickRunner(runners, [], 'r2', 'r2')?.runnerId).toBe('r2');
  });

  it('say which runner they wait for', () => {
    expect(pinnedReason('build-box')).toBe("waiting for runner build-box, which holds this conversation's session");
  });
});
