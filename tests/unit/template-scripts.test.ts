// Unit tests for the template scripts of the scripted Anthropic API: they read the conversation the way the e2e tests
// rely on (working directory, the last tool result, a diff, a host snapshot in the prompt).
import { describe, expect, it } from 'vitest';
import { STRUCTURED_OUTPUT_TOOL, TEMPLATE_SCRIPTS } from '../fixtures/anthropic-template-scripts';

const follow = TEMPLATE_SCRIPTS['follow-template']!;
const TOOLS = ['Bash', 'Read', STRUCTURED_OUTPUT_TOOL];

describe('template scripts', () => {
  it('write-tool writes in the working directory, then quotes back what the tool said', () => {
    const first = TEMPLATE_SCRIPTS['write-tool']!({ turn: 0, arg: 'a.txt', cwd: '/w' });
    expect(first.blocks.at(-1)).toEqual({
      type: 'tool_use',
      name: 'Write',
      input: { file_path: '/w/a.txt', content: 'written by claude\n' },
    });
    const last = TEMPLATE_SCRIPTS['write-tool']!({
      turn: 1,
      arg: 'a.txt',
      cwd: '/w',
      lastToolResult: { content: 'denied: no', isError: true },
    });
    expect(last.blocks).toEqual([{ type: 'text', text: 'Finished. The tool call failed: denied: no' }]);
    expect(() => TEMPLATE_SCRIPTS['write-tool']!({ turn: 0, arg: '../x', cwd: '/w' })).toThrow(/bad file name/);
  });

  it('reviews a diff: one finding per changed file at its first added line', () => {
    const prompt =
      'Review it: run `git diff --stat origin/main...HEAD`, then `git diff origin/main...HEAD` and report.';
    const run = follow({ turn: 0, arg: undefined, prompt, tools: TOOLS });
    expect(run.blocks[0]).toMatchObject({ name: 'Bash', input: { command: 'git diff origin/main...HEAD' } });
    const diff = [
      'diff --git a/app.js b/app.js',
      '--- a/app.js',
      '+++ b/app.js',
      '@@ -1,3 +1,4 @@',
      ' keep',
      '-old',
      '+new',
      ' keep',
      'diff --git a/new.js b/new.js',
      '--- /dev/null',
      '+++ b/new.js',
      '@@ -0,0 +1 @@',
      '+fresh',
    ].join('\n');
    const review = follow({
      turn: 1,
      arg: undefined,
      prompt,
      tools: TOOLS,
      lastToolResult: { content: diff, isError: false },
    });
    expect(review.blocks[0]).toMatchObject({
      name: STRUCTURED_OUTPUT_TOOL,
      input: {
        verdict: 'comment',
        findings: [
          { file: 'app.js', line: 2, severity: 'minor', message: 'Changed: new' },
          { file: 'new.js', line: 1, severity: 'minor', message: 'Changed: fresh' },
        ],
      },
    });
  });

  it('analyses a host snapshot found in the prompt, quoting its numbers', () => {
    const snapshot = {
      hostname: 'box',
      cpu: { loadPercent: 10, cores: 4 },
      memory: { totalBytes: 8 * 1024 ** 3, usedBytes: 7.8 * 1024 ** 3 },
      disks: [{ mount: '/', usePercent: 50 }],
    };
    const prompt = `Analyse this {not json} snapshot:\n\`\`\`json\n${JSON.stringify(snapshot)}\n\`\`\``;
    const turn = follow({ turn: 0, arg: undefined, prompt, tools: TOOLS });
    expect(turn.blocks[0]).toMatchObject({
      name: STRUCTURED_OUTPUT_TOOL,
      input: { status: 'critical', summary: expect.stringContaining('memory 98% used') },
    });
  });

  it('answers plainly without a template to follow', () => {
    expect(follow({ turn: 0, arg: undefined, prompt: 'hi', tools: TOOLS }).blocks[0]).toMatchObject({ type: 'text' });
  });
});
