// How an execution ran, in words (sandbox badge, network, limits), and the confinement fields of the template form.
import { describe, expect, it } from 'vitest';
import {
  limitsText,
  networkSummary,
  runnerSandboxText,
  sandboxBadge,
  sandboxPendingText,
  templateConfinementText,
} from './confinement';
import { confinementToText, readConfinement, type ConfinementText } from './confinement-form';

describe('how an execution ran', () => {
  it('names the sandbox in words, and nothing before a runner took it', () => {
    expect(sandboxBadge('bubblewrap')).toMatchObject({ word: 'sandboxed', tone: 'ok' });
    expect(sandboxBadge('none')).toMatchObject({ word: 'unconfined', tone: 'warn' });
    expect(sandboxBadge(null)).toBeNull();
    expect(runnerSandboxText('none')).toBe('none (unconfined)');
    expect(runnerSandboxText(null)).toBe('not reported yet');
    expect(sandboxPendingText(true, false)).toMatch(/required/);
    expect(sandboxPendingText(true, true)).toBe('never ran on a runner');
  });

  it('summarises the network, an allow-list with its hosts', () => {
    expect(networkSummary('open')).toEqual({ mode: 'open', short: 'open network', hosts: [] });
    expect(networkSummary(null).mode).toBe('open');
    expect(networkSummary('model-only').short).toBe('model only');
    expect(networkSummary({ allow: ['github.com'] })).toEqual({
      mode: 'allow-list',
      short: 'allow-list (1 host)',
      hosts: ['github.com'],
    });
    expect(networkSummary({ allow: ['a.com', 'b.com'] }).short).toBe('allow-list (2 hosts)');
  });

  it('lists the limits that are set, none as null', () => {
    expect(limitsText({ memoryMb: 2048, cpus: 1, pids: 256 })).toBe('2 GB memory · 1 CPU · 256 processes');
    expect(limitsText({ memoryMb: 700, cpus: 0.5 })).toBe('700 MB memory · 0.5 CPUs');
    expect(limitsText({})).toBeNull();
    expect(limitsText(null)).toBeNull();
  });
});

describe('a template’s confinement in one line', () => {
  it('names what is set, the defaults in words', () => {
    expect(templateConfinementText({ network: null, limits: null, requireSandbox: false, secrets: null })).toBe(
      'any runner · open network',
    );
    expect(
      templateConfinementText({
        network: 'model-only',
        limits: { cpus: 2 },
        requireSandbox: true,
        secrets: ['NPM_TOKEN', 'GH_TOKEN'],
      }),
    ).toBe('sandbox required · model only · 2 CPUs · secrets: NPM_TOKEN, GH_TOKEN');
  });
});

describe('the confinement fields of a template', () => {
  const text = (overrides: Partial<ConfinementText> = {}): ConfinementText => ({
    ...confinementToText(null),
    ...overrides,
  });

  it('starts open, unlimited, not requiring a sandbox and without secrets', () => {
    expect(readConfinement(text())).toEqual({
      ok: true,
      fields: { network: null, limits: null, requireSandbox: false, secrets: null },
    });
  });

  it('reads an allow-list in lower case, each host once, and limits as numbers', () => {
    const read = readConfinement(
      text({
        networkMode: 'allow',
        hosts: 'GitHub.com, *.npmjs.org\ngithub.com',
        memoryMb: '1024',
        pids: ' 200 ',
        requireSandbox: true,
        secrets: 'NPM_TOKEN, GH_TOKEN NPM_TOKEN',
      }),
    );
    expect(read).toEqual({
      ok: true,
      fields: {
        network: { allow: ['github.com', '*.npmjs.org'] },
        limits: { memoryMb: 1024, pids: 200 },
        requireSandbox: true,
        secrets: ['NPM_TOKEN', 'GH_TOKEN'],
      },
    });
  });

  it('keeps the hosts of an allow-list when the mode changes back, but sends only the mode', () => {
    expect(readConfinement(text({ networkMode: 'model-only', hosts: 'github.com' }))).toMatchObject({
      ok: true,
      fields: { network: 'model-only' },
    });
  });

  it('says which field is wrong and why', () => {
    const read = readConfinement(
      text({ networkMode: 'allow', hosts: 'https://github.com', memoryMb: '10', cpus: 'two', secrets: 'npm-token' }),
    );
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(Object.keys(read.errors).sort()).toEqual(['cpus', 'hosts', 'memoryMb', 'secrets']);
    expect(read.errors.hosts).toContain('https://github.com');
    expect(read.errors.secrets).toContain('npm-token');
    expect(readConfinement(text({ networkMode: 'allow', hosts: ' ' }))).toMatchObject({
      ok: false,
      errors: { hosts: expect.stringMatching(/at least one host/) },
    });
    expect(readConfinement(text({ pids: '16.5' }))).toMatchObject({ ok: false, errors: { pids: expect.any(String) } });
  });

  it('shows a template’s confinement as form text', () => {
    expect(
      confinementToText({
        network: { allow: ['a.com', 'b.com'] },
        limits: { cpus: 2 },
        requireSandbox: true,
        secrets: ['NPM_TOKEN'],
      }),
    ).toEqual({
      networkMode: 'allow',
      hosts: 'a.com\nb.com',
      memoryMb: '',
      cpus: '2',
      pids: '',
      requireSandbox: true,
      secrets: 'NPM_TOKEN',
    });
  });
});
