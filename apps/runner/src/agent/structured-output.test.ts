// Unit tests of structured results: validation against the job's output schema, and the health report built from
// Claude's analysis and the host snapshot; plus the health run's credential check and Markdown.
import { describe, expect, it } from 'vitest';
import { HealthReport, type EventData } from '@claudeops/control-plane/protocol';
import { renderHealthMarkdown } from '../health/health-report-markdown';
import { hasModelCredentials, skippedResult } from '../health/health-run';
import { ResultShaper } from './structured-output';
import { TEST_SNAPSHOT as SNAPSHOT } from '../testing/test-helpers';

const result = (structured?: unknown, extra: Partial<EventData<'result'>> = {}): EventData<'result'> => ({
  subtype: 'success',
  isError: false,
  text: 'done',
  totalCostUsd: 0.01,
  numTurns: 2,
  durationMs: 100,
  sessionId: 's',
  ...(structured === undefined ? {} : { structured }),
  ...extra,
});

const schema = {
  type: 'object',
  title: 'Answer',
  required: ['answer'],
  properties: { answer: { type: 'integer' } },
  additionalProperties: false,
};

const analysis = {
  status: 'warn',
  summary: 'The root disk is nearly full.',
  findings: [{ severity: 'warn', area: 'disk', message: '/ is 93% full' }],
  recommendations: ['Clean up /var/log'],
};

describe('ResultShaper', () => {
  it('passes results through when the job has no output schema', () => {
    const shaper = new ResultShaper({ outputSchema: null, hostSnapshot: false });
    expect(shaper.shape(result())).toEqual({ data: result(), problem: null });
  });

  it('keeps valid structured output', () => {
    const shaper = new ResultShaper({ outputSchema: schema, hostSnapshot: false });
    expect(shaper.shape(result({ answer: 42 }))).toEqual({ data: result({ answer: 42 }), problem: null });
    expect(shaper.failure).toBeNull();
  });

  it('refuses invalid or missing structured output, naming the errors, and stores none of it', () => {
    const invalid = new ResultShaper({ outputSchema: schema, hostSnapshot: false });
    const shaped = invalid.shape(result({ answer: 'many', extra: true }));
    expect(shaped.data).toEqual(result());
    expect(shaped.problem).toContain('does not match the output schema');
    expect(shaped.problem).toContain('/answer must be integer');
    expect(shaped.problem).toContain('must NOT have additional properties');
    expect(invalid.failure).toBe(shaped.problem);
    const missing = new ResultShaper({ outputSchema: schema, hostSnapshot: false });
    expect(missing.shape(result()).problem).toBe('Claude Code returned no structured output for the output schema');
  });

  it('checks nothing on a failed run and fails a run whose schema is no schema', () => {
    const shaper = new ResultShaper({ outputSchema: schema, hostSnapshot: false });
    const failed = result({ answer: 'x' }, { subtype: 'error_max_turns', isError: true });
    const { structured: _dropped, ...rest } = failed;
    expect(shaper.shape(failed)).toEqual({ data: rest, problem: null });
    expect(shaper.failure).toBeNull();
    const broken = new ResultShaper({ outputSchema: { type: 'nonsense' }, hostSnapshot: false });
    expect(broken.shape(result({ answer: 1 })).problem).toContain('not a valid JSON Schema');
  });

  it('merges a health analysis with the snapshot and renders it as the text', () => {
    const shaper = new ResultShaper({ outputSchema: { type: 'object' }, hostSnapshot: true }, SNAPSHOT);
    const { data } = shaper.shape(result(analysis));
    const report = HealthReport.parse(data.structured);
    expect(report).toMatchObject({ kind: 'health-report', analysis: 'claude', status: 'warn', snapshot: SNAPSHOT });
    expect(data.text).toContain('**Status: WARN**');
    expect(data.totalCostUsd).toBe(0.01);
  });
});

describe('renderHealthMarkdown', () => {
  it('renders status, findings, recommendations and key numbers', () => {
    const text = renderHealthMarkdown({
      kind: 'health-report',
      analysis: 'claude',
      ...analysis,
      snapshot: SNAPSHOT,
    } as HealthReport);
    expect(text).toContain('# Host health: box');
    expect(text).toContain('The root disk is nearly full.');
    expect(text).toContain('| warn | disk | / is 93% full |');
    expect(text).toContain('- Clean up /var/log');
    expect(text).toContain('- CPU: AMD EPYC, 8 cores, 12.5% busy, load 0.5 / 0.4 / 0.3');
    expect(text).toContain('- Memory: 4.0 GiB used of 16.0 GiB (12.0 GiB available)');
    expect(text).toContain('- Disk / (ext4): 93% used, 93.0 GiB of 100.0 GiB');
    expect(text).toContain('- GPUs: none found');
    expect(text).toContain('| 7 | node\\|x | 20 | 3 | 1.0 MiB |');
    expect(text).toContain('up 1d 1h');
  });

  it('says plainly when the analysis was skipped', () => {
    const data = skippedResult(SNAPSHOT, 1234, 'sess');
    expect(HealthReport.parse(data.structured)).toMatchObject({ analysis: 'skipped', snapshot: SNAPSHOT });
    expect(data).toMatchObject({ subtype: 'success', isError: false, totalCostUsd: 0, numTurns: 0, durationMs: 1234 });
    expect(data.text).toContain('Analysis skipped: the runner has no model credentials');
    expect(data.text).toContain('- Disk / (ext4): 93% used');
  });
});

describe('hasModelCredentials', () => {
  const none = () => false;
  it.each([
    [{ ANTHROPIC_API_KEY: 'sk' }, true],
    [{ ANTHROPIC_AUTH_TOKEN: 't' }, true],
    [{ CLAUDE_CODE_OAUTH_TOKEN: 't' }, true],
    [{ CLAUDE_CODE_USE_BEDROCK: '1' }, true],
    [{ CLAUDE_CODE_USE_VERTEX: 'true' }, true],
    [{ CLAUDE_CODE_USE_FOUNDRY: '0' }, false],
    [{ ANTHROPIC_BASE_URL: 'http://127.0.0.1:1', HOME: '/home/me' }, false],
    [{}, false],
  ])('%j → %s', (env, expected) => {
    expect(hasModelCredentials(env, none)).toBe(expected);
  });

  it('finds a login credentials file under HOME or CLAUDE_CONFIG_DIR', () => {
    const files = new Set(['/home/me/.claude/.credentials.json', '/cfg/.credentials.json']);
    expect(hasModelCredentials({ HOME: '/home/me' }, (p) => files.has(p))).toBe(true);
    expect(hasModelCredentials({ HOME: '/home/x', CLAUDE_CONFIG_DIR: '/cfg' }, (p) => files.has(p))).toBe(true);
    expect(hasModelCredentials({ HOME: '/home/x' }, (p) => files.has(p))).toBe(false);
  });
});
