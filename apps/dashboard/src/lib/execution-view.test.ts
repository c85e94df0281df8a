// The execution page's pure logic: steps, search, cost, diff parsing, markdown safety, structured results.
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { EMPTY_COST, addCost, displayCost } from './cost';
import { languageFor, parsePatch } from './diff';
import { findMatches, keepMatch, stepMatch } from './log-search';
import { renderMarkdown, renderMarkdownUnsanitised, safeHref } from './markdown';
import { RowBuilder, stepState } from './steps';
import { classifyStructured, formatBytes, sortFindings } from './structured';

let seq = 0;
const ev = (type: ExecutionEvent['type'], data: object): ExecutionEvent =>
  ({ seq: ++seq, ts: new Date(1_700_000_000_000 + seq * 1000).toISOString(), type, data }) as ExecutionEvent;
const call = (id: string, command: string) =>
  ev('tool.call', { messageId: 'm', toolUseId: id, name: 'Bash', input: { command } });
const result = (id: string, content: string, isError = false) => ev('tool.result', { toolUseId: id, isError, content });
const text = (t: string) => ev('assistant.text', { messageId: 'm', text: t });
const usage = (costUsd: number, totalCostUsd?: number, estimated?: boolean) =>
  ev('usage', {
    messageId: `m${seq}`,
    model: 'claude-sonnet-4-5',
    inputTokens: 1,
    outputTokens: 1,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    costUsd,
    ...(totalCostUsd === undefined ? {} : { totalCostUsd }),
    ...(estimated ? { estimated } : {}),
  });

describe('RowBuilder', () => {
  it('folds a tool call and its result into one step, even with events between them', () => {
    const builder = new RowBuilder();
    builder.add([text('hi'), call('a', 'ls'), call('b', 'pwd'), usage(0.01)]);
    expect(builder.rows.map((row) => row.kind)).toEqual(['event', 'tool', 'tool']);
    const changed = builder.add([result('b', '/work'), result('a', 'x', true)]);
    expect(changed).toBe(1);
    const [, a, b] = builder.rows;
    expect(a?.kind === 'tool' && a.result?.data.content).toBe('x');
    expect(a?.kind === 'tool' && stepState(a)).toBe('error');
    expect(b?.kind === 'tool' && stepState(b)).toBe('done');
    expect(builder.rows).toHaveLength(3);
  });

  it('keeps an orphan result as its own row, and a pending call as running', () => {
    const builder = new RowBuilder();
    builder.add([result('nobody', 'late'), call('c', 'sleep 1')]);
    expect(builder.rows[0]?.kind).toBe('event');
    const step = builder.rows[1];
    expect(step?.kind === 'tool' && stepState(step)).toBe('running');
  });

  it('shows every event, usage included, in raw mode', () => {
    const builder = new RowBuilder({ raw: true });
    builder.add([call('d', 'ls'), usage(0.01), result('d', 'ok')]);
    expect(builder.rows.map((row) => row.kind)).toEqual(['event', 'event', 'event']);
  });
});

describe('log search', () => {
  const builder = new RowBuilder();
  builder.add([text('Hello World'), call('s', 'npm test'), result('s', 'All tests PASSED'), text('world again')]);

  it('matches row text case-insensitively, a step by its input and output', () => {
    expect(findMatches(builder.rows, 'world')).toEqual([0, 2]);
    expect(findMatches(builder.rows, 'passed')).toEqual([1]);
    expect(findMatches(builder.rows, 'NPM TEST')).toEqual([1]);
    expect(findMatches(builder.rows, '  ')).toEqual([]);
  });

  it('steps forwards and backwards with wrap-around', () => {
    expect(stepMatch(3, -1, 1)).toBe(0);
    expect(stepMatch(3, -1, -1)).toBe(2);
    expect(stepMatch(3, 2, 1)).toBe(0);
    expect(stepMatch(3, 0, -1)).toBe(2);
    expect(stepMatch(0, 0, 1)).toBe(-1);
  });

  it('keeps the current match on its row as the log grows', () => {
    expect(keepMatch([1, 5, 9], 5)).toBe(1);
    expect(keepMatch([1, 6, 9], 5)).toBe(1);
    expect(keepMatch([1, 2], 5)).toBe(1);
    expect(keepMatch([], 5)).toBe(-1);
  });
});

describe('cost', () => {
  it('follows the hub running total, else sums the per-message costs, then takes the result', () => {
    let cost = addCost(EMPTY_COST, [usage(0.1, 0.1), usage(0.2, 0.3)]);
    expect(cost.usd).toBeCloseTo(0.3);
    cost = addCost(cost, [usage(0.05, undefined, true)]);
    expect(cost).toMatchObject({ messages: 3, estimated: true, reconciled: false });
    expect(cost.usd).toBeCloseTo(0.35);
    cost = addCost(cost, [
      ev('result', {
        subtype: 'success',
        isError: false,
        totalCostUsd: 0.34,
        numTurns: 2,
        durationMs: 1,
        sessionId: 's',
      }),
    ]);
    expect(cost).toMatchObject({ usd: 0.34, reconciled: true, estimated: false });
    expect(addCost(cost, [usage(1, 9)]).usd).toBe(0.34);
  });

  it('shows the stored reconciled figure once there is a result, else the higher live figure', () => {
    const live = addCost(EMPTY_COST, [usage(0.2, 0.2)]);
    expect(displayCost(live, { costUsd: 0.1, costIsEstimate: false, result: null })).toMatchObject({ usd: 0.2 });
    expect(displayCost(live, { costUsd: 0.25, costIsEstimate: false, result: {} })).toEqual({
      usd: 0.25,
      estimated: false,
      reconciled: true,
    });
    expect(displayCost(EMPTY_COST, { costUsd: null, costIsEstimate: false, result: null }).usd).toBeNull();
  });
});

const PATCH = `diff --git a/src/app.ts b/src/app.ts
index 1111111..2222222 100644
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,3 +1,4 @@
 const a = 1;
-const b = 2;
+const b = 3;
+const c = 4;
 export { a };
diff --git a/README.md b/README.md
new file mode 100644
--- /dev/null
+++ b/README.md
@@ -0,0 +1,2 @@
+# Title
+text
\\ No newline at end of file
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-gone
diff --git a/logo.png b/logo.png
Binary files a/logo.png and b/logo.png differ
`;

describe('parsePatch', () => {
  const files = parsePatch(PATCH);

  it('splits the patch per file with +/- counts and statuses', () => {
    expect(files.map((f) => [f.path, f.status, f.additions, f.deletions, f.binary])).toEqual([
      ['src/app.ts', 'modified', 2, 1, false],
      ['README.md', 'added', 2, 0, false],
      ['old.txt', 'deleted', 0, 1, false],
      ['logo.png', 'modified', 0, 0, true],
    ]);
  });

  it('numbers old and new lines from the hunk header', () => {
    const lines = files[0]!.lines;
    expect(lines[0]).toMatchObject({ kind: 'hunk' });
    expect(lines.find((l) => l.kind === 'del')).toMatchObject({ text: 'const b = 2;', oldNo: 2, newNo: null });
    expect(lines.filter((l) => l.kind === 'add').map((l) => l.newNo)).toEqual([2, 3]);
    expect(lines.at(-1)).toMatchObject({ kind: 'context', oldNo: 3, newNo: 4 });
    expect(files[1]!.lines.at(-1)?.kind).toBe('meta');
  });

  it('picks a highlight language by extension, plain when unknown', () => {
    expect(languageFor('src/app.tsx')).toBe('typescript');
    expect(languageFor('a/b/main.go')).toBe('go');
    expect(languageFor('x.RS')).toBe('rust');
    expect(languageFor('Makefile')).toBeNull();
    expect(languageFor('data.parquet')).toBeNull();
    expect(languageFor('.bashrc')).toBeNull();
  });
});

describe('markdown', () => {
  it('renders Markdown with links that open safely', () => {
    const html = renderMarkdown('**bold** and [docs](https://example.com)\n\n```ts\nconst x = 1 < 2;\n```');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('href="https://example.com"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('<code class="language-ts">const x = 1 &lt; 2;');
  });

  it('never passes raw HTML, event handler attributes or script URLs through', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(1)">',
      '<div onmouseover="alert(1)">hover</div>',
      '[click](javascript:alert(1))',
      '[click](JaVaScRiPt:alert(1))',
      '[data](data:text/html;base64,PHNjcmlwdD4=)',
      '![pic](https://tracker.example/p.gif)',
      '<a href="javascript:alert(1)">x</a>',
    ].join('\n\n');
    const html = renderMarkdownUnsanitised(hostile);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<div/i);
    expect(html).not.toMatch(/\son\w+\s*=\s*"/i);
    expect(html).not.toMatch(/href="\s*(javascript|data):/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('href="https://tracker.example/p.gif"');
  });

  it('allows only http(s), mailto and relative links', () => {
    expect(safeHref('https://a.b/c')).toBe('https://a.b/c');
    expect(safeHref('mailto:x@y.z')).toBe('mailto:x@y.z');
    expect(safeHref('/executions/ex_1')).toBe('/executions/ex_1');
    expect(safeHref('vbscript:x')).toBeNull();
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref('java\tscript:alert(1)')).toBeNull();
  });
});

describe('structured results', () => {
  const snapshot = {
    collectedAt: '2026-01-01T00:00:00Z',
    hostname: 'box',
    os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
    uptimeSeconds: 90_000,
    cpu: {
      brand: 'x',
      cores: 8,
      physicalCores: 4,
      speedGHz: 3,
      loadPercent: 12,
      loadAverage: [1, 2, 3],
      temperatureC: null,
    },
    memory: { totalBytes: 8e9, usedBytes: 4e9, availableBytes: 4e9, swapTotalBytes: 0, swapUsedBytes: 0 },
    disks: [],
    network: [],
    processes: { all: 100, running: 1, blocked: 0, top: [] },
    gpus: [],
    temperatures: { mainC: null, maxC: null },
  };

  it('recognises a health report, a PR review, and anything else as JSON', () => {
    expect(classifyStructured({ kind: 'health-report', analysis: 'skipped', snapshot })?.kind).toBe('health-report');
    expect(classifyStructured({ summary: 's', verdict: 'approve', findings: [] })?.kind).toBe('pr-review');
    expect(classifyStructured({ anything: 1 })).toEqual({ kind: 'json', value: { anything: 1 } });
    expect(classifyStructured(undefined)).toBeNull();
  });

  it('sorts findings worst first, then by file and line; formats bytes', () => {
    const sorted = sortFindings([
      { severity: 'info' as const, file: 'a', line: 1 },
      { severity: 'critical' as const, file: 'b', line: 9 },
      { severity: 'critical' as const, file: 'b', line: 2 },
    ]);
    expect(sorted.map((f) => `${f.severity}:${f.line}`)).toEqual(['critical:2', 'critical:9', 'info:1']);
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8.0 GB');
  });
});
