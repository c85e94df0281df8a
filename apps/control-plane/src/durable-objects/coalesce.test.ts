// Unit tests for Coalesced: one run at a time, and a call during a run gets a run of its own.
import { describe, expect, it, vi } from 'vitest';
import { Coalesced } from './coalesce';

describe('Coalesced', () => {
  it('never overlaps runs and folds calls made during a run into one more', async () => {
    const gates: (() => void)[] = [];
    let active = 0;
    let maxActive = 0;
    const task = new Coalesced(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
    });

    const calls = [task.run(), task.run(), task.run()];
    expect(gates).toHaveLength(1);
    gates[0]!();
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    gates[1]!();
    await Promise.all(calls);
    expect(gates).toHaveLength(2);
    expect(maxActive).toBe(1);
  });

  it('lets a failure reach the caller and runs again on the next call', async () => {
    let calls = 0;
    const task = new Coalesced(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    });
    await expect(task.run()).rejects.toThrow('boom');
    await task.run();
    expect(calls).toBe(2);
  });
});
