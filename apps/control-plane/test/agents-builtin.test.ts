// The built-in agent templates the migrations seed: present, sensible, and their output schemas in step with the
// protocol's zod schemas (PrReview, HealthAnalysis), so the runner's validation and Claude's instructions agree.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HealthAnalysis, PrReview } from '../src/protocol';
import { getAgent } from './agents-support';

/** zod's JSON Schema with its integer bounds dropped and `anyOf [X, null]` written as `type: [X, "null"]`. */
function normalised(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalised);
  if (schema === null || typeof schema !== 'object') return schema;
  const entries = Object.entries(schema).filter(([key]) => key !== '$schema');
  const node = Object.fromEntries(entries.map(([key, value]) => [key, normalised(value)])) as Record<string, unknown>;
  if (node.type === 'integer' && node.minimum === Number.MIN_SAFE_INTEGER && node.maximum === Number.MAX_SAFE_INTEGER) {
    delete node.minimum;
    delete node.maximum;
  }
  const anyOf = node.anyOf as Record<string, unknown>[] | undefined;
  if (anyOf?.length === 2 && anyOf[1]?.type === 'null' && Object.keys(anyOf[0] ?? {}).length === 1) {
    return { type: [anyOf[0]?.type, 'null'] };
  }
  return node;
}

const review = {
  summary: 'Adds retries.',
  verdict: 'request_changes',
  findings: [
    { file: 'src/a.ts', line: 12, severity: 'major', message: 'unbounded', suggestion: 'cap it' },
    { file: 'README.md', line: null, severity: 'info', message: 'typo' },
  ],
};
const analysis = {
  status: 'warn',
  summary: 'Disk filling up.',
  findings: [{ severity: 'warn', area: 'disk /', message: '85% used' }],
  recommendations: ['prune docker images'],
};
const REVIEW_SAMPLES = [
  review,
  { ...review, verdict: 'maybe' },
  { ...review, findings: [{ ...review.findings[0], line: 1.5 }] },
  { ...review, findings: [{ ...review.findings[1], severity: 'blocker' }] },
  { summary: 'x', verdict: 'approve' },
  { ...review, findings: [{ file: 'a', severity: 'info', message: 'm' }] },
];
const HEALTH_SAMPLES = [
  analysis,
  { ...analysis, status: 'fine' },
  { ...analysis, recommendations: [1] },
  { ...analysis, findings: [{ severity: 'ok', area: 'cpu' }] },
  { status: 'ok', summary: 'ok', findings: [] },
];

describe('built-in agent templates', () => {
  it.each([
    ['pr-reviewer', PrReview, REVIEW_SAMPLES],
    ['system-health-reporter', HealthAnalysis, HEALTH_SAMPLES],
  ] as const)('%s returns what its protocol schema describes', async (name, schema, samples) => {
    const agent = await getAgent(name);
    expect(agent.builtin).toBe(true);
    expect(agent.outputSchema).toEqual(normalised(z.toJSONSchema(schema)));
    const seeded = z.fromJSONSchema(agent.outputSchema!);
    for (const sample of samples) expect(seeded.safeParse(sample).success).toBe(schema.safeParse(sample).success);
  });

  it('seeds code-task and bug-fixer with their inputs and a policy that never pushes', async () => {
    const codeTask = await getAgent('code-task');
    expect(codeTask.inputs.sort()).toEqual(['repo', 'task']);
    expect(codeTask.permissions?.allow).toEqual(expect.arrayContaining(['Edit', 'Write', 'Bash(git diff:*)']));
    expect(codeTask.permissions?.deny).toEqual(['Bash(git push:*)']);
    const bugFixer = await getAgent('bug-fixer');
    expect(bugFixer.inputs.sort()).toEqual(['issue', 'repo']);
    expect(bugFixer.permissions?.allow).toEqual(expect.arrayContaining(['Bash(npm test:*)', 'Bash(pytest:*)']));
    expect(bugFixer.permissions?.deny).toEqual(['Bash(git push:*)']);
  });

  it('seeds a read-only pr-reviewer and a tool-less system-health-reporter that gets a host snapshot', async () => {
    const reviewer = await getAgent('pr-reviewer');
    expect(reviewer.inputs.sort()).toEqual(['base', 'ref', 'repo']);
    expect(reviewer.tools).toEqual(['Read', 'Grep', 'Glob', 'Bash']);
    expect(reviewer.permissions?.deny).toEqual(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
    expect(reviewer.prompt).toContain('git diff origin/{{base}}...HEAD');
    const health = await getAgent('system-health-reporter');
    expect(health).toMatchObject({ inputs: [], tools: [], hostSnapshot: true });
  });
});
