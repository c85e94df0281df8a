// The export renderings in plain Node: the transcript folds events into steps (calls joined with results across
// pages), Markdown keeps content inside its blocks, HTML is one inert self-contained file whatever the agent wrote.
import { describe, expect, it } from 'vitest';
import {
  EXPORT_BUNDLE_FORMAT,
  EXPORT_BUNDLE_VERSION,
  ExportBundle,
  type Execution,
  type ExecutionEvent,
} from '../protocol';
import { EXPORT_HTML_CSP, esc, renderHtml } from './html';
import { fenced, prose, renderMarkdown } from './markdown';
import { TranscriptBuilder } from './transcript';

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="https://evil.example">x</a>';
const ts = '2026-12-03T12:00:00.000Z';

const events: ExecutionEvent[] = [
  { seq: 1, ts, type: 'status', data: { status: 'running' } },
  { seq: 2, ts, type: 'assistant.thinking', data: { messageId: 'm1', text: 'Plan: one command.' } },
  {
    seq: 3,
    ts,
    type: 'assistant.text',
    data: { messageId: 'm1', text: `I will write it. ${HOSTILE}\n\`\`\`\nopen fence` },
  },
  {
    seq: 4,
    ts,
    type: 'tool.call',
    data: { messageId: 'm1', toolUseId: 'tu_1', name: 'Bash', input: { command: "echo '```' > x.md" } },
  },
  { seq: 5, ts, type: 'log', data: { level: 'warn', message: 'stderr line' } },
  {
    seq: 6,
    ts,
    type: 'tool.result',
    data: { toolUseId: 'tu_1', isError: false, content: `out ${HOSTILE}\n${'`'.repeat(4)}` },
  },
  {
    seq: 7,
    ts,
    type: 'usage',
    data: {
      messageId: 'm1',
      model: 'claude-sonnet-4-5',
      inputTokens: 10,
      outputTokens: 5,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    },
  },
  { seq: 8, ts, type: 'tool.result', data: { toolUseId: 'tu_orphan', isError: true, content: 'no call seen' } },
];

const execution: Execution = {
  id: 'ex_01kbq0000000000000000000aa',
  status: 'succeeded',
  statusReason: null,
  prompt: `Write x.md ${HOSTILE}`,
  model: 'claude-sonnet-4-5',
  maxBudgetUsd: null,
  labels: ['local'],
  runnerId: null,
  createdAt: ts,
  startedAt: ts,
  finishedAt: ts,
  costUsd: 0.0123,
  costEstimatedUsd: 0.0123,
  costIsEstimate: false,
  agent: 'default',
  blockedReason: null,
  repo: null,
  ref: null,
  attempt: 1,
  maxAttempts: 2,
  retryOf: null,
  rootId: 'ex_01kbq0000000000000000000aa',
  cancelRequestedAt: null,
  cancelReason: null,
  result: null,
  permissions: null,
  inputs: null,
  sandbox: 'none',
  network: 'open',
  limits: null,
  requireSandbox: false,
  secrets: [],
  trigger: { kind: 'api' },
  followupOf: null,
  conversationId: 'ex_01kbq0000000000000000000aa',
  pinnedRunnerId: null,
  openPullRequest: false,
  pullRequest: null,
  reportTo: null,
  report: null,
  checks: [],
  review: null,
  breakpoints: [],
  pausedReason: null,
  pauseMessage: null,
  resumeAt: null,
  reviewResult: null,
};

function bundle(): ExportBundle {
  const builder = new TranscriptBuilder();
  for (const event of events) builder.add(event);
  return ExportBundle.parse({
    format: EXPORT_BUNDLE_FORMAT,
    version: EXPORT_BUNDLE_VERSION,
    exportedAt: ts,
    execution,
    attempts: [],
    transcript: { entries: builder.entries, eventsRead: events.length, truncated: null },
    git: null,
    patch: { text: `diff --git a/x b/x\n+added ${HOSTILE}\n-removed\n\`\`\`\n`, bytes: 60, truncated: false },
    costs: {
      totalUsd: 0.0123,
      models: [
        {
          model: 'claude-sonnet-4-5',
          inputTokens: 10,
          outputTokens: 5,
          cacheReadInputTokens: 0,
          cacheCreation5mInputTokens: 0,
          cacheCreation1hInputTokens: 0,
          costUsd: 0.0123,
          estimated: false,
        },
      ],
    },
    approvals: [],
    approvalsTruncated: false,
    result: {
      subtype: 'success',
      isError: false,
      text: `Done ${HOSTILE}`,
      totalCostUsd: 0.0123,
      numTurns: 2,
      durationMs: 1500,
      sessionId: 's',
      structured: { verdict: HOSTILE },
    },
  });
}

describe('transcript', () => {
  it('joins a call with its result across entries in between, and keeps an orphan result on its own', () => {
    const { entries } = bundle().transcript;
    expect(entries.map((e) => e.type)).toEqual(['status', 'thinking', 'text', 'tool', 'log', 'tool']);
    expect(entries[3]).toMatchObject({ name: 'Bash', result: { seq: 6, isError: false } });
    expect(entries[5]).toMatchObject({ name: null, result: { content: 'no call seen', isError: true } });
  });

  it('joins a result arriving on a later page (a later add) with its call', () => {
    const builder = new TranscriptBuilder();
    builder.add(events[3]!);
    expect(builder.entries[0]).toMatchObject({ type: 'tool', result: null });
    builder.add(events[5]!);
    expect(builder.entries).toHaveLength(1);
    expect(builder.entries[0]).toMatchObject({ result: { seq: 6 } });
  });
});

/** The lines of a Markdown document outside its fenced code blocks (a fence closes on a run at least as long). */
function outsideFences(md: string): string[] {
  const out: string[] = [];
  let open: string | null = null;
  for (const line of md.split('\n')) {
    const fence = /^(`{3,})/.exec(line)?.[1];
    if (open === null && fence !== undefined) open = fence;
    else if (open !== null && fence !== undefined && fence.length >= open.length && line.trim() === fence) open = null;
    else if (open === null) out.push(line);
  }
  return out;
}

describe('markdown', () => {
  it('keeps links and remote images of the agent inert in prose', () => {
    expect(prose('![x](https://evil.example/p.png) [a](javascript:x) C:\\dir')).toBe(
      '!\\[x\\](https://evil.example/p.png) \\[a\\](javascript:x) C:\\\\dir',
    );
  });

  it('opens a fence longer than any backtick run in the content', () => {
    expect(fenced('a ``` b ````` c', 'sh')).toMatch(/^``````sh\n[\s\S]*\n``````$/);
    expect(fenced('plain')).toBe('```\nplain\n```');
  });

  it('has a heading per section, the tool call and patch as fenced blocks, and prose escaped', () => {
    const md = renderMarkdown(bundle());
    for (const heading of ['Prompt', 'Result', 'Structured result', 'Costs', 'Approvals', 'Changes', 'Transcript']) {
      expect(md).toMatch(new RegExp(`^#{2,3} ${heading}$`, 'm'));
    }
    expect(md).toContain("````sh\necho '```' > x.md\n````");
    expect(md).toMatch(/````diff\ndiff --git a\/x b\/x\n/);
    expect(md).toContain('| claude-sonnet-4-5 | 10 | 5 | 0 | 0 | $0.0123 |');
    // Claude's unclosed fence stays inside its quote; its HTML shows as text.
    expect(md).toContain('> I will write it. &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md).toContain('> ```\n> open fence');
    // Raw `<script>` only inside fenced blocks (shown as code), never in prose.
    expect(outsideFences(md).filter((line) => line.includes('<script>'))).toEqual([]);
    expect(outsideFences(md).some((line) => line.includes('&lt;script&gt;'))).toBe(true);
  });
});

const ALLOWED_TAGS = [
  '!doctype',
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'main',
  'h1',
  'h2',
  'h3',
  'dl',
  'dt',
  'dd',
  'section',
  'pre',
  'p',
  'blockquote',
  'div',
  'span',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'strong',
];
const ALLOWED_ATTRIBUTES = [
  'aria-labelledby',
  'charset',
  'class',
  'content',
  'http-equiv',
  'id',
  'lang',
  'name',
  'scope',
];

describe('html', () => {
  const html = renderHtml(bundle());

  it('is one inert file: no script, no link, no external resource, a CSP that forbids scripts', () => {
    expect(html).not.toMatch(/<script/i);
    // Content is escaped, so every `<` left is markup of the renderer's own: only these tags and attributes.
    const tags = [...html.matchAll(/<\/?([a-zA-Z0-9!]+)([^>]*)>/g)];
    expect(tags.map((t) => t[1]!.toLowerCase()).filter((tag) => !ALLOWED_TAGS.includes(tag))).toEqual([]);
    const attributes = new Set(tags.flatMap((t) => [...t[2]!.matchAll(/\s([a-z-]+)="[^"]*"/g)].map((a) => a[1])));
    expect(tags.filter((t) => t[1] !== '!doctype' && t[2]!.replace(/\s[a-z-]+="[^"]*"/g, '').trim() !== '')).toEqual(
      [],
    );
    expect([...attributes].filter((name) => !ALLOWED_ATTRIBUTES.includes(name!))).toEqual([]);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${esc(EXPORT_HTML_CSP)}">`);
    expect(EXPORT_HTML_CSP).toContain("default-src 'none'");
    expect(EXPORT_HTML_CSP).not.toMatch(/script-src/);
  });

  it('shows what the agent wrote as text, escaped everywhere it appears', () => {
    const escaped = esc('<script>alert(1)</script>');
    // The prompt, the text, the tool result, the patch, the result text and the structured result.
    expect(html.split(escaped).length - 1).toBeGreaterThanOrEqual(6);
  });

  it('reads on a phone, in light and dark', () => {
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toMatch(/pre\{white-space:pre-wrap/);
    expect(html).toContain('<h2 id="transcript">Transcript</h2>');
    expect(html).toContain('<span class="add">+added');
  });

  it('says where the transcript was cut and how to read on', () => {
    const cut = bundle();
    cut.transcript.truncated = { after: 8, moreEvents: 92, note: 'truncated: 92 more events after seq 8; …' };
    expect(renderHtml(cut)).toContain('truncated: 92 more events after seq 8');
    expect(renderMarkdown(cut)).toContain('**truncated: 92 more events after seq 8');
  });
});
