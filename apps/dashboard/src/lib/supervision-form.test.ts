// The supervision fields of the run and template forms: checks one per line, the reviewer's settings and the
// breakpoint list, read back into API fields with a clear message for each mistake.
import { describe, expect, it } from 'vitest';
import { executionSupervision, readBreakpoint, readSupervision, supervisionToText } from './supervision-form';

describe('supervision form', () => {
  it('round-trips a template’s checks, reviewer and breakpoints', () => {
    const source = {
      checks: ['npm test', 'npm run lint'],
      review: {
        mode: 'retry' as const,
        threshold: 0.8,
        maxRetries: 1,
        model: 'local:qwen',
        endpoint: 'local' as const,
      },
      breakpoints: [
        { onTool: 'Bash(git push:*)' },
        { onFileChange: 'migrations/**' },
        { costOverUsd: 1 },
        { turnsOver: 30 },
      ],
    };
    const text = supervisionToText(source);
    expect(text.checks).toBe('npm test\nnpm run lint');
    expect(text).toMatchObject({ reviewEnabled: true, mode: 'retry', threshold: '0.8', local: true });
    expect(readSupervision(text)).toEqual({ ok: true, fields: source });
  });

  it('starts empty with the reviewer’s defaults', () => {
    const text = supervisionToText(null);
    expect(text).toMatchObject({ checks: '', reviewEnabled: false, mode: 'gate', threshold: '0.7', maxRetries: '2' });
    expect(readSupervision(text)).toEqual({ ok: true, fields: { checks: [], review: null, breakpoints: [] } });
  });

  it('drops blank check lines', () => {
    const read = readSupervision({ ...supervisionToText(null), checks: '\n  npm test \n\n' });
    expect(read.ok && read.fields.checks).toEqual(['npm test']);
  });

  it('says what is wrong with the reviewer', () => {
    const read = readSupervision({
      ...supervisionToText(null),
      reviewEnabled: true,
      threshold: '70',
      maxRetries: '1.5',
      local: true,
      model: 'qwen',
    });
    expect(read).toEqual({
      ok: false,
      errors: {
        reviewThreshold: 'A number from 0 to 1, e.g. 0.7.',
        reviewMaxRetries: 'A whole number, 0 to 10.',
        reviewModel: 'A local model is named local:<name>, e.g. local:qwen2.5-coder.',
      },
    });
  });

  it('reads each kind of breakpoint and refuses bad values', () => {
    expect(readBreakpoint({ kind: 'onTool', value: ' Write ' })).toEqual({ onTool: 'Write' });
    expect(readBreakpoint({ kind: 'costOverUsd', value: '0.5' })).toEqual({ costOverUsd: 0.5 });
    expect(readBreakpoint({ kind: 'turnsOver', value: '3' })).toEqual({ turnsOver: 3 });
    expect(readBreakpoint({ kind: 'turnsOver', value: '3.5' })).toMatch(/whole number/);
    expect(readBreakpoint({ kind: 'costOverUsd', value: '-1' })).toMatch(/positive amount/);
    expect(readBreakpoint({ kind: 'onFileChange', value: '' })).toMatch(/fill in/i);
    const read = readSupervision({ ...supervisionToText(null), breakpoints: [{ kind: 'turnsOver', value: 'x' }] });
    expect(read.ok).toBe(false);
    expect(!read.ok && read.errors.breakpoints).toMatch(/Turns over/);
  });

  it('sends only what a new execution filled in', () => {
    expect(executionSupervision({ checks: [], review: null, breakpoints: [] })).toEqual({});
    expect(executionSupervision({ checks: ['false'], review: null, breakpoints: [{ turnsOver: 2 }] })).toEqual({
      checks: ['false'],
      breakpoints: [{ turnsOver: 2 }],
    });
  });
});
