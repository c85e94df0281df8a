import { describe, expect, it } from 'vitest';
import type { RunnerDetail, RunnerView } from '@claudeops/control-plane/protocol';
import { loadFleet, revokeQuestion, sortRunners } from './fleet';

const runner = (id: string, name: string, status: 'online' | 'offline'): RunnerView => ({
  id,
  name,
  status,
  labels: [],
  maxConcurrent: 1,
  runningExecutions: [],
  freeSlots: 1,
  version: null,
  lastHeartbeatAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  sandbox: 'bubblewrap',
});
const metrics = { cpuLoadPercent: 5, memUsedBytes: 1, memTotalBytes: 2 };

describe('fleet', () => {
  it('lists online runners first, then by name', () => {
    const sorted = sortRunners([
      runner('a', 'zeta', 'online'),
      runner('b', 'alpha', 'offline'),
      runner('c', 'beta', 'online'),
    ]);
    expect(sorted.map((r) => r.name)).toEqual(['beta', 'zeta', 'alpha']);
  });

  it('asks for the latest metrics of online runners only, and survives one failing', async () => {
    const asked: string[] = [];
    const fleet = await loadFleet({
      listRunners: async () => [runner('a', 'a', 'online'), runner('b', 'b', 'offline'), runner('c', 'c', 'online')],
      getRunner: async (id: string): Promise<RunnerDetail> => {
        asked.push(id);
        if (id === 'c') throw new Error('gone');
        return { ...runner(id, id, 'online'), metrics };
      },
    });
    expect(asked.sort()).toEqual(['a', 'c']);
    expect(fleet.metrics).toEqual({ a: metrics });
    expect(fleet.runners.map((r) => r.id)).toEqual(['a', 'c', 'b']);
  });

  it('says before revoking what happens to the runner and the executions it runs', () => {
    expect(revokeQuestion({ name: 'gpu-box', runningExecutions: [] })).toBe(
      'Revoke the runner gpu-box? Its token stops working at once and its connections close. To use the machine again, register it anew.',
    );
    expect(revokeQuestion({ name: 'gpu-box', runningExecutions: ['ex_a'] })).toContain(
      'The execution it runs now will be marked lost',
    );
    expect(revokeQuestion({ name: 'gpu-box', runningExecutions: ['ex_a', 'ex_b'] })).toContain('The 2 executions');
  });
});
