// Unit tests for the flag → request mapping of `claudeops`: run's body with .claudeops.json defaults, inputs,
// budgets, registration tokens and the runner's start command.
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes';
import {
  budgetBody,
  createExecutionBody,
  decisionBody,
  listExecutionsQuery,
  parseInputs,
  registrationTokenBody,
  runnerStartCommand,
} from './requests';

const none = { input: [], label: [] };

describe('createExecutionBody', () => {
  it('maps a plain prompt and its flags onto the API field names', () => {
    expect(
      createExecutionBody('Fix it', {
        ...none,
        repo: 'https://github.com/o/r',
        ref: 'main',
        model: 'claude-sonnet-4-5',
        budget: '$0.50',
        label: ['ci', 'ci', 'docs'],
      }),
    ).toEqual({
      prompt: 'Fix it',
      repo: 'https://github.com/o/r',
      ref: 'main',
      model: 'claude-sonnet-4-5',
      maxBudgetUsd: 0.5,
      labels: ['ci', 'docs'],
    });
  });

  it('fills an agent template from --input, the prompt going to its task input', () => {
    expect(createExecutionBody(undefined, { ...none, agent: 'pr-review', input: ['repo=x=y', 'base=main'] })).toEqual({
      agent: 'pr-review',
      inputs: { repo: 'x=y', base: 'main' },
    });
    expect(createExecutionBody('Tidy up', { ...none, agent: 'fixer' })).toEqual({
      agent: 'fixer',
      inputs: { task: 'Tidy up' },
    });
  });

  it('takes .claudeops.json defaults, flags winning and labels joined', () => {
    const defaults = {
      repo: '/srv/repo',
      ref: 'dev',
      labels: ['home'],
      template: undefined,
      model: 'm1',
      maxBudgetUsd: 2,
    };
    expect(createExecutionBody('Go', { ...none, label: ['x'], model: 'm2' }, defaults)).toEqual({
      prompt: 'Go',
      repo: '/srv/repo',
      ref: 'dev',
      model: 'm2',
      maxBudgetUsd: 2,
      labels: ['home', 'x'],
    });
    // Another repo does not inherit the file's ref.
    expect(createExecutionBody('Go', { ...none, repo: '/other' }, defaults)).not.toHaveProperty('ref');
    expect(createExecutionBody(undefined, none, { template: 'health' })).toEqual({ agent: 'health' });
  });

  it('refuses what the API would refuse, naming the flag, as a usage error', () => {
    const usageError = (f: () => unknown, message: RegExp) => {
      try {
        f();
      } catch (error) {
        expect((error as Error).message).toMatch(message);
        expect((error as { exitCode: number }).exitCode).toBe(EXIT.usage);
        return;
      }
      throw new Error('no error');
    };
    usageError(() => createExecutionBody(undefined, none), /give a prompt/);
    usageError(() => createExecutionBody('x', { ...none, input: ['a=b'] }), /--input needs --agent/);
    usageError(() => createExecutionBody('x', { ...none, budget: 'lots' }), /--budget lots/);
    usageError(() => createExecutionBody('x', { ...none, repo: 'ftp://x' }), /^--repo: /);
    usageError(() => createExecutionBody('x', { ...none, label: ['bad label'] }), /^--label/);
    usageError(() => parseInputs(['novalue']), /name=value/);
  });
});

describe('other bodies', () => {
  it('maps ls filters to the list query', () => {
    expect(listExecutionsQuery({ status: 'running', label: 'ci', q: 'fix test', limit: '20' })).toEqual({
      status: 'running',
      label: 'ci',
      q: 'fix test',
      limit: 20,
    });
    expect(() => listExecutionsQuery({ limit: '0' })).toThrow(/--limit 0/);
  });

  it('maps approve flags to a decision', () => {
    expect(decisionBody({})).toEqual({ decision: 'allow' });
    expect(decisionBody({ deny: true, message: 'no', remember: 'agent' })).toEqual({
      decision: 'deny',
      message: 'no',
      remember: 'agent',
    });
    expect(() => decisionBody({ remember: 'forever' })).toThrow(/--remember/);
  });

  it('maps budgets set flags and checks soft ≤ hard', () => {
    expect(budgetBody({ hard: '20', soft: '15', period: 'month' })).toEqual({
      period: 'month',
      hardLimitUsd: 20,
      softLimitUsd: 15,
    });
    expect(() => budgetBody({ hard: '1', soft: '5', period: 'day' })).toThrow(/--soft/);
    expect(() => budgetBody({ hard: '1', period: 'week' })).toThrow(/--period/);
  });

  it('mints registration tokens with labels and slots and prints a start command with the token in the env', () => {
    expect(registrationTokenBody({ label: ['gpu'], maxConcurrent: '2' })).toEqual({
      labels: ['gpu'],
      maxConcurrent: 2,
    });
    expect(runnerStartCommand('http://127.0.0.1:8787', 'crt_abc', 'my box')).toBe(
      "CLAUDEOPS_REGISTRATION_TOKEN=crt_abc npx claudeops-runner start --url http://127.0.0.1:8787 --name 'my box'",
    );
  });
});
