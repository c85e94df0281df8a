// Unit tests for agent templates: placeholders, filling them, and merging a template with the POST that starts it.
import { describe, expect, it } from 'vitest';
import { fill, mergePolicy, placeholders, resolveExecution, type TemplateFacts } from './templates';

const template = (fields: Partial<TemplateFacts> = {}): TemplateFacts => ({
  name: 'bug-fixer',
  prompt: 'Fix {{issue}} in {{ repo }}; then {{issue}} again.',
  model: null,
  permissions: null,
  maxTurns: null,
  maxBudgetUsd: null,
  labels: [],
  repo: null,
  ref: null,
  approvalTimeoutSeconds: null,
  ...fields,
});

describe('placeholders', () => {
  it('lists each name once, in order of first use', () => {
    expect(placeholders('{{b}} {{a}} {{ b }} {{c_1}}')).toEqual(['b', 'a', 'c_1']);
  });

  it('ignores what is not a placeholder', () => {
    expect(placeholders('{{}} {{1x}} {x} {{a b}} {{ ok }}')).toEqual(['ok']);
  });
});

describe('fill', () => {
  it('replaces every use and leaves braces inside a value alone', () => {
    expect(fill('{{a}}-{{ a }}-{{b}}', { a: '{{b}}', b: 'B' })).toBe('{{b}}-{{b}}-B');
  });

  it('leaves a placeholder without an input as it is', () => {
    expect(fill('{{a}} {{b}}', { a: 'A' })).toBe('A {{b}}');
  });
});

describe('mergePolicy', () => {
  it('appends the extra lists to the template policy, each rule once', () => {
    expect(
      mergePolicy(
        { allow: ['Read', 'Edit'], ask: [], deny: ['Bash(git push:*)'] },
        { allow: ['Edit', 'Bash(npm test:*)'], ask: ['Write'], deny: [] },
      ),
    ).toEqual({ allow: ['Read', 'Edit', 'Bash(npm test:*)'], ask: ['Write'], deny: ['Bash(git push:*)'] });
  });

  it('is null only when neither side gives a policy', () => {
    expect(mergePolicy(null, undefined)).toBeNull();
    expect(mergePolicy(null, { allow: ['Read'], ask: [], deny: [] })).toEqual({ allow: ['Read'], ask: [], deny: [] });
  });
});

describe('resolveExecution', () => {
  it('names the missing inputs', () => {
    expect(resolveExecution(template(), { inputs: { repo: '/srv/app' } })).toEqual({
      ok: false,
      message: 'missing input `issue` for agent bug-fixer',
    });
    expect(resolveExecution(template(), {})).toMatchObject({
      message: 'missing inputs `issue`, `repo` for agent bug-fixer',
    });
  });

  it('names unknown inputs and lists the ones the template takes', () => {
    const result = resolveExecution(template(), { inputs: { issue: 'x', repo: '/a', colour: 'red' } });
    expect(result).toEqual({ ok: false, message: 'unknown input `colour`: agent bug-fixer takes `issue`, `repo`' });
    expect(resolveExecution(template({ prompt: 'no inputs' }), { inputs: { a: '1' } })).toMatchObject({
      message: expect.stringContaining('takes no inputs'),
    });
  });

  it('fills the prompt and merges the POST over the template', () => {
    const result = resolveExecution(
      template({
        model: 'claude-sonnet-4-5',
        maxTurns: 30,
        labels: ['gpu'],
        permissions: { allow: ['Read'], ask: [], deny: ['Bash(git push:*)'] },
        approvalTimeoutSeconds: 120,
      }),
      {
        inputs: { issue: 'the crash', repo: 'https://github.com/acme/app.git' },
        maxTurns: 5,
        labels: ['linux', 'gpu'],
        permissions: { allow: ['Bash(npm test:*)'], ask: [], deny: [] },
      },
    );
    expect(result).toEqual({
      ok: true,
      value: {
        prompt: 'Fix the crash in https://github.com/acme/app.git; then the crash again.',
        inputs: { issue: 'the crash', repo: 'https://github.com/acme/app.git' },
        model: 'claude-sonnet-4-5',
        maxBudgetUsd: null,
        maxTurns: 5,
        approvalTimeoutSeconds: 120,
        labels: ['gpu', 'linux'],
        permissions: { allow: ['Read', 'Bash(npm test:*)'], ask: [], deny: ['Bash(git push:*)'] },
        repo: { value: 'https://github.com/acme/app.git', from: 'input' },
        ref: null,
      },
    });
  });

  it('takes repo and ref from the body first, then the inputs, then the template', () => {
    const facts = template({ prompt: 'review {{ref}}', repo: '/srv/app', ref: 'main' });
    const fromInput = resolveExecution(facts, { inputs: { ref: 'feature' } });
    expect(fromInput).toMatchObject({
      value: { repo: { value: '/srv/app', from: 'template' }, ref: { value: 'feature', from: 'input' } },
    });
    const fromBody = resolveExecution(facts, { inputs: { ref: 'feature' }, repo: '/srv/other', ref: 'dev' });
    expect(fromBody).toMatchObject({ value: { repo: { from: 'body' }, ref: { value: 'dev', from: 'body' } } });
  });

  it('refuses a ref without any repository', () => {
    expect(resolveExecution(template({ prompt: 'review {{ref}}' }), { inputs: { ref: 'main' } })).toMatchObject({
      ok: false,
      message: expect.stringContaining('`ref` needs a repository'),
    });
  });
});
