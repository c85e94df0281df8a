// The template form ↔ API bodies (POST, PATCH with only the changes), policy textareas ↔ rules, and the new
// execution form's body.
import { describe, expect, it } from 'vitest';
import type { Agent } from '@claudeops/control-plane/protocol';
import { buildExecutionBody, extraWorktreeFields, isLongInput, type NewExecutionForm } from './new-execution';
import {
  createBody,
  detectInputs,
  formFromAgent,
  nameError,
  parseOutputSchema,
  parseRules,
  policyToText,
  readForm,
  textToPolicy,
  updateBody,
} from './templates';

const agent = (overrides: Partial<Agent> = {}): Agent => ({
  name: 'bug-fixer',
  description: 'Fixes bugs',
  prompt: 'Fix {{issue}} in {{ repo }}',
  model: null,
  permissions: { allow: ['Read', 'Bash(npm test:*)'], ask: [], deny: ['Bash(git push:*)'] },
  maxTurns: 40,
  maxBudgetUsd: null,
  labels: ['linux'],
  repo: null,
  ref: null,
  appendSystemPrompt: null,
  outputSchema: { type: 'object', properties: { summary: { type: 'string' } } },
  tools: null,
  approvalTimeoutSeconds: null,
  hostSnapshot: false,
  network: null,
  limits: null,
  requireSandbox: false,
  secrets: null,
  checks: [],
  review: null,
  breakpoints: [],
  inputs: ['issue', 'repo'],
  builtin: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const read = (form: ReturnType<typeof formFromAgent>) => {
  const result = readForm(form);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.fields;
};

describe('template form', () => {
  it('finds the placeholders a prompt needs, once each, in order', () => {
    expect(detectInputs('{{b}} {{a}} {{ b }} {{1x}} {x}')).toEqual(['b', 'a']);
  });

  it('reads one rule per line and keeps "no policy" apart from an empty one', () => {
    expect(parseRules('  Read\n\nBash(npm test:*)  \n')).toEqual(['Read', 'Bash(npm test:*)']);
    const policy = { allow: ['Read'], ask: ['Write'], deny: [] };
    expect(textToPolicy(policyToText(policy))).toEqual(policy);
    expect(textToPolicy(policyToText(null))).toBeNull();
    expect(textToPolicy({ enabled: true, allow: '', ask: '', deny: '' })).toEqual({ allow: [], ask: [], deny: [] });
  });

  it('sends nothing when nothing changed', () => {
    const original = agent();
    expect(updateBody(original, read(formFromAgent(original)))).toBeNull();
  });

  it('sends only the changed fields, null to clear', () => {
    const original = agent({ model: 'claude-sonnet-4-5' });
    const form = formFromAgent(original);
    form.model = '';
    form.policy.ask = 'Write';
    form.maxBudgetUsd = '2.5';
    form.toolsMode = 'list';
    form.tools = 'Read, Grep';
    expect(updateBody(original, read(form))).toEqual({
      model: null,
      permissions: { allow: ['Read', 'Bash(npm test:*)'], ask: ['Write'], deny: ['Bash(git push:*)'] },
      maxBudgetUsd: 2.5,
      tools: ['Read', 'Grep'],
    });
  });

  it('treats a reordered output schema as unchanged', () => {
    const original = agent();
    const form = formFromAgent(original);
    form.outputSchema = '{"properties":{"summary":{"type":"string"}},"type":"object"}';
    expect(updateBody(original, read(form))).toBeNull();
  });

  it('creates with the given fields only', () => {
    const form = formFromAgent(null);
    form.prompt = 'Review {{ref}}';
    form.labels = 'gpu, linux gpu';
    expect(createBody('reviewer', read(form))).toEqual({
      name: 'reviewer',
      description: '',
      prompt: 'Review {{ref}}',
      labels: ['gpu', 'linux'],
      hostSnapshot: false,
      requireSandbox: false,
    });
  });

  it('edits network, limits, requireSandbox and secrets, and sends only what changed', () => {
    const original = agent({ network: 'model-only', requireSandbox: true, limits: { memoryMb: 512 } });
    const form = formFromAgent(original);
    expect(form.confinement).toMatchObject({ networkMode: 'model-only', memoryMb: '512', requireSandbox: true });
    expect(updateBody(original, read(form))).toBeNull();
    form.confinement.networkMode = 'allow';
    form.confinement.hosts = 'Registry.npmjs.org\n*.github.com, registry.npmjs.org';
    form.confinement.memoryMb = '';
    form.confinement.cpus = '1.5';
    form.confinement.requireSandbox = false;
    form.confinement.secrets = 'NPM_TOKEN';
    expect(updateBody(original, read(form))).toEqual({
      network: { allow: ['registry.npmjs.org', '*.github.com'] },
      limits: { cpus: 1.5 },
      requireSandbox: false,
      secrets: ['NPM_TOKEN'],
    });
  });

  it('counts an explicit "open", {} limits or [] secrets as the defaults the form reads back', () => {
    const original = agent({ network: 'open', limits: {}, secrets: [] });
    expect(updateBody(original, read(formFromAgent(original)))).toBeNull();
  });

  it('reports each bad field', () => {
    const form = formFromAgent(null);
    form.maxTurns = '1.5';
    form.approvalTimeoutSeconds = '1';
    form.labels = 'ok, -bad';
    form.policy = { enabled: true, allow: 'Read\nnot a rule', ask: '', deny: '' };
    form.outputSchema = '{"type":"array"}';
    form.confinement.pids = '3';
    const result = readForm(form);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(Object.keys(result.errors).sort()).toEqual(
        ['allow', 'approvalTimeoutSeconds', 'labels', 'maxTurns', 'outputSchema', 'pids', 'prompt'].sort(),
      );
    }
    expect(parseOutputSchema('{nope')).toMatchObject({ error: expect.stringMatching(/Not valid JSON/) });
    expect(parseOutputSchema('[]')).toEqual({ error: 'The output schema must be a JSON object.' });
    expect([nameError('default'), nameError(''), nameError('-x'), nameError('pr-reviewer')].map(Boolean)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('new execution body', () => {
  const form = (overrides: Partial<NewExecutionForm> = {}): NewExecutionForm => ({
    agent: '',
    prompt: '',
    inputs: {},
    repo: '',
    ref: '',
    model: '',
    maxBudgetUsd: '',
    labels: '',
    ...overrides,
  });

  it('starts a template with its inputs and overrides', () => {
    const template = agent();
    expect(extraWorktreeFields(template)).toEqual(['ref']);
    expect(
      buildExecutionBody(
        form({
          agent: 'bug-fixer',
          inputs: { issue: ' sum is wrong ', repo: '/srv/calc', stray: 'x' },
          ref: 'dev',
          labels: 'gpu',
        }),
        template,
      ),
    ).toEqual({
      ok: true,
      body: { agent: 'bug-fixer', inputs: { issue: 'sum is wrong', repo: '/srv/calc' }, ref: 'dev', labels: ['gpu'] },
    });
    expect(buildExecutionBody(form({ inputs: { issue: 'x' } }), template)).toMatchObject({
      ok: false,
      field: 'input-repo',
    });
  });

  it('starts a free prompt and checks the budget', () => {
    expect(buildExecutionBody(form({ prompt: 'Add a README', maxBudgetUsd: '0.5', model: 'm' }), null)).toEqual({
      ok: true,
      body: { prompt: 'Add a README', maxBudgetUsd: 0.5, model: 'm' },
    });
    expect(buildExecutionBody(form({ prompt: ' ' }), null)).toMatchObject({ ok: false, field: 'prompt' });
    expect(buildExecutionBody(form({ prompt: 'x', maxBudgetUsd: '-1' }), null)).toMatchObject({ ok: false });
    expect(buildExecutionBody(form({ prompt: 'x', ref: 'main' }), null)).toMatchObject({ ok: false, field: 'repo' });
  });

  it('gives prose inputs a textarea', () => {
    expect([isLongInput('issue'), isLongInput('task'), isLongInput('repo'), isLongInput('base')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
