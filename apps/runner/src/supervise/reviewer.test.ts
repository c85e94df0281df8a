// The reviewer against a loopback server that speaks the Messages API (non-streaming, as the model proxy passes it
// through): good, fenced and broken answers, API errors, network failures, usage; the request's cuts; the verdict
// parser; the transcript digest.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_REASON_CHARS } from '@claudeops/control-plane/protocol';
import { PLACEHOLDER_API_KEY } from '../proxy/model-credential';
import type { CheckResult } from './checks';
import {
  buildReviewRequest,
  callReviewer,
  parseVerdict,
  REVIEW_LIMITS,
  transcriptDigest,
  type ReviewInput,
} from './reviewer';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const GOOD = {
  confidence: 0.86,
  verdict: 'pass',
  summary: 'The change adds the flag and its test.',
  findings: [{ severity: 'low', message: 'The help text has a typo.', file: 'src/cli.ts', line: 12 }],
};

/** A Messages API answer with these text blocks (and a tool_use block the reviewer must ignore). */
function message(texts: string[], usage: Record<string, number> = {}) {
  return {
    id: 'msg_review_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-review-model-1',
    content: [
      ...texts.map((text) => ({ type: 'text', text })),
      { type: 'tool_use', id: 'toolu_1', name: 'x', input: {} },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: 1234,
      output_tokens: 56,
      cache_read_input_tokens: 7,
      cache_creation_input_tokens: 8,
      ...usage,
    },
  };
}

let server: Server;
let baseUrl: string;
let requests: Recorded[];
let answer: (res: ServerResponse) => void;

const send = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: JSON.parse(raw) as Record<string, unknown>,
    });
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The proxy's base URL carries a path of its own; the reviewer appends /v1/messages to it.
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exec/ex_123/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = [];
  answer = send(200, message([JSON.stringify(GOOD)]));
});

const check = (command: string, exitCode: number, outputTail = ''): CheckResult => ({
  command,
  exitCode,
  signal: null,
  durationMs: 2500,
  outputTail,
  truncated: false,
  timedOut: false,
});
const input: ReviewInput = {
  prompt: 'Add a --verbose flag to the CLI.',
  diff: 'diff --git a/src/cli.ts b/src/cli.ts\n+  .option("--verbose")\n',
  checks: [check('npm test', 0, 'Tests 12 passed\n')],
  transcript: 'Assistant: I will add the flag.\nTool call Edit: src/cli.ts',
};
const userText = (body: object) => (body as { messages: { content: string }[] }).messages[0]?.content ?? '';

describe('callReviewer', () => {
  it('posts a non-streaming Messages request through the proxy and reads the verdict and usage', async () => {
    const outcome = await callReviewer({ baseUrl, model: 'claude-review-model', input });
    expect(outcome).toEqual({
      verdict: GOOD,
      problem: null,
      usage: {
        messageId: 'msg_review_1',
        model: 'claude-review-model-1',
        inputTokens: 1234,
        outputTokens: 56,
        cacheReadInputTokens: 7,
        cacheCreationInputTokens: 8,
      },
    });
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/exec/ex_123/v1/messages');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(request?.headers['x-api-key']).toBe(PLACEHOLDER_API_KEY);
    expect(request?.body).toMatchObject({ model: 'claude-review-model', stream: false, max_tokens: 2000 });
    expect(request?.body.system).toMatch(/strict code reviewer/);
    expect(userText(request?.body ?? {})).toContain('Add a --verbose flag');
  });

  it('reads a verdict in a ```json fence with prose around it, joining the text blocks', async () => {
    answer = send(200, message(['Here is my review.', `\`\`\`json\n${JSON.stringify(GOOD, null, 2)}\n\`\`\`\nDone.`]));
    const outcome = await callReviewer({ baseUrl, model: 'm', input, apiKey: 'sk-other' });
    expect(outcome.verdict).toEqual(GOOD);
    expect(requests[0]?.headers['x-api-key']).toBe('sk-other');
  });

  it('turns an answer that is no verdict into a problem, keeping the usage it cost', async () => {
    answer = send(200, message(['I think it is fine, mostly.']));
    const outcome = await callReviewer({ baseUrl, model: 'm', input });
    expect(outcome.verdict).toBeNull();
    expect(outcome.problem).toBe("The reviewer's answer holds no JSON object.");
    expect(outcome.usage?.outputTokens).toBe(56);
  });

  it('turns an out-of-range confidence into a problem instead of clamping it', async () => {
    answer = send(200, message([JSON.stringify({ ...GOOD, confidence: 1.5 })]));
    const outcome = await callReviewer({ baseUrl, model: 'm', input });
    expect(outcome.verdict).toBeNull();
    expect(outcome.problem).toMatch(/^The reviewer's answer is not a valid verdict \(confidence: .*\)\.$/);
  });

  it('turns an API error into a problem with its status and message', async () => {
    answer = send(500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
    expect(await callReviewer({ baseUrl, model: 'm', input })).toEqual({
      verdict: null,
      problem: 'The reviewer call failed with HTTP 500: Internal server error.',
      usage: null,
    });
    answer = (res) => {
      res.writeHead(429);
      res.end('slow down');
    };
    expect((await callReviewer({ baseUrl, model: 'm', input })).problem).toBe(
      'The reviewer call failed with HTTP 429.',
    );
  });

  it('keeps a problem within the length a review event carries', async () => {
    answer = send(503, { type: 'error', error: { type: 'overloaded_error', message: 'o'.repeat(5_000) } });
    const { problem } = await callReviewer({ baseUrl, model: 'm', input });
    expect(problem).toMatch(/^The reviewer call failed with HTTP 503: o+\.$/);
    expect(problem?.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
  });

  it('turns a 200 that is not a message into a problem', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy page</html>');
    };
    expect((await callReviewer({ baseUrl, model: 'm', input })).problem).toBe(
      'The reviewer API answered something that is not a message.',
    );
  });

  it('turns a refused connection into a problem, never a throw', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await callReviewer({ baseUrl: `http://127.0.0.1:${port}`, model: 'm', input });
    expect(outcome).toMatchObject({ verdict: null, usage: null });
    expect(outcome.problem).toMatch(/^The reviewer could not be asked: .+\.$/);
  });

  it('gives up on a reviewer that does not answer in time, and on a stopped run', async () => {
    answer = () => undefined; // never answers; afterAll drops the connection
    const late = await callReviewer({ baseUrl, model: 'm', input, timeoutMs: 200 });
    expect(late.problem).toBe('The reviewer could not be asked: it did not answer within 200 ms.');
    const controller = new AbortController();
    controller.abort();
    const stopped = await callReviewer({ baseUrl, model: 'm', input, signal: controller.signal });
    expect(stopped.problem).toBe('The reviewer could not be asked: the run was stopped.');
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const fake: typeof fetch = async (url) => {
      seen.push(String(url));
      return new Response(JSON.stringify(message([JSON.stringify(GOOD)])), { status: 200 });
    };
    const outcome = await callReviewer({ baseUrl: 'http://proxy.invalid/base', model: 'm', input, fetch: fake });
    expect(seen).toEqual(['http://proxy.invalid/base/v1/messages']);
    expect(outcome.verdict?.confidence).toBe(0.86);
  });
});

describe('buildReviewRequest', () => {
  it('shows the task, the diff, each check with its output and the digest', () => {
    const text = userText(buildReviewRequest({ ...input, checks: [...input.checks, check('npm run lint', 1)] }, 'm'));
    expect(text).toContain('Add a --verbose flag to the CLI.');
    expect(text).toContain('```diff\ndiff --git a/src/cli.ts');
    expect(text).toContain('### `npm test` exited 0 after 2.5 s (passed)\n```\nTests 12 passed\n```');
    expect(text).toContain('### `npm run lint` exited 1 after 2.5 s (failed)\n(no output)');
    expect(text).toContain('Tool call Edit: src/cli.ts');
    expect(text).not.toContain('was cut');
  });

  it('cuts a long diff to its first 60 KiB and says so', () => {
    const diff = `diff --git a/big b/big\n${'+ a line of the change\n'.repeat(10_000)}LAST-LINE\n`;
    const text = userText(buildReviewRequest({ ...input, diff }, 'm'));
    expect(text).toMatch(/\(The diff was cut: its first 60 KiB of 2\d\d KiB are shown; judge the rest as unseen\.\)/);
    expect(text).toContain('diff --git a/big b/big');
    expect(text).not.toContain('LAST-LINE');
    expect(Buffer.byteLength(text)).toBeLessThan(REVIEW_LIMITS.diff + 10_000);
  });

  it('keeps the newest part of a long transcript and the end of each check output', () => {
    const transcript = `FIRST-ENTRY\n${'Assistant: working on it\n'.repeat(5_000)}NEWEST-ENTRY`;
    const output = `EARLY-OUTPUT\n${'x'.repeat(10_000)}\nFAIL: 1 test failed`;
    const text = userText(buildReviewRequest({ ...input, transcript, checks: [check('npm test', 1, output)] }, 'm'));
    expect(text).toContain('(The digest was cut: its last 20 KiB of');
    expect(text).toContain('NEWEST-ENTRY');
    expect(text).not.toContain('FIRST-ENTRY');
    expect(text).toContain('(Output cut: only its last part is shown.)');
    expect(text).toContain('FAIL: 1 test failed');
    expect(text).not.toContain('EARLY-OUTPUT');
  });

  it('fences a diff that holds backticks so it cannot close its fence', () => {
    const text = userText(buildReviewRequest({ ...input, diff: '+ const md = "```";\n' }, 'm'));
    expect(text).toContain('````diff\n+ const md = "```";\n````');
  });

  it('says when nothing changed and nothing was checked', () => {
    const text = userText(buildReviewRequest({ ...input, diff: '', checks: [], transcript: '' }, 'm'));
    expect(text).toContain('(The agent changed no files.)');
    expect(text).toContain('No checks were run.');
    expect(text).toContain('(No transcript.)');
  });
});

describe('parseVerdict', () => {
  it('accepts a bare object, a fenced one and one inside prose', () => {
    expect(parseVerdict(JSON.stringify(GOOD))).toEqual({ verdict: GOOD });
    expect(parseVerdict(`\`\`\`json\n${JSON.stringify(GOOD)}\n\`\`\``)).toEqual({ verdict: GOOD });
    expect(parseVerdict(`My verdict is ${JSON.stringify(GOOD)} as requested.`)).toEqual({ verdict: GOOD });
  });

  it('is not fooled by braces inside strings or a smaller object before the verdict', () => {
    const tricky = { ...GOOD, summary: 'Uses a {placeholder} and a "}" brace.' };
    expect(parseVerdict(`Note {"x": 1}. Then: ${JSON.stringify(tricky)}`)).toEqual({ verdict: tricky });
  });

  it('drops unknown keys but validates every known one strictly', () => {
    expect(parseVerdict(JSON.stringify({ ...GOOD, reasoning: 'long' }))).toEqual({ verdict: GOOD });
    const problems = [
      { ...GOOD, confidence: -0.1 },
      { ...GOOD, confidence: '0.9' },
      { ...GOOD, verdict: 'maybe' },
      { ...GOOD, findings: [{ severity: 'severe', message: 'x' }] },
      { ...GOOD, findings: [{ severity: 'high', message: 'x', line: -1 }] },
      { ...GOOD, summary: 's'.repeat(5_000) },
      { confidence: 0.9, verdict: 'pass', summary: 'no findings key' },
    ];
    for (const answer of problems) {
      const parsed = parseVerdict(JSON.stringify(answer));
      expect(parsed, JSON.stringify(answer)).toHaveProperty('problem');
      expect('problem' in parsed && parsed.problem).toMatch(/^The reviewer's answer is not a valid verdict/);
    }
  });

  it('says when there is no JSON at all', () => {
    expect(parseVerdict('')).toEqual({ problem: "The reviewer's answer holds no JSON object." });
    expect(parseVerdict('[1, 2]')).toEqual({ problem: "The reviewer's answer holds no JSON object." });
    expect(parseVerdict('{ not json }')).toEqual({ problem: "The reviewer's answer holds no JSON object." });
  });
});

describe('transcriptDigest', () => {
  const events = [
    { type: 'system.init', data: { sessionId: 's', model: 'm', cwd: '/w', tools: [], permissionMode: 'default' } },
    { type: 'assistant.thinking', data: { messageId: 'a', text: 'secret thoughts' } },
    { type: 'assistant.text', data: { messageId: 'a', text: 'I will run the tests.' } },
    { type: 'tool.call', data: { messageId: 'a', toolUseId: 't1', name: 'Bash', input: { command: 'npm test' } } },
    { type: 'tool.result', data: { toolUseId: 't1', isError: true, content: `1 failed\n${'y'.repeat(2_000)}` } },
    { type: 'tool.call', data: { messageId: 'b', toolUseId: 't2', name: 'mcp__x__y', input: { a: 1, b: [2] } } },
    { type: 'usage', data: { messageId: 'a', inputTokens: 1 } },
    { type: 'user.message', data: { messageId: 'u', text: 'Also update the README.', from: 'ana' } },
    { type: 'result', data: { subtype: 'success', isError: false } },
  ];

  it('lists text, tool calls and short results in order, leaving out thinking and bookkeeping', () => {
    const lines = transcriptDigest(events).split('\n');
    expect(lines[0]).toBe('Assistant: I will run the tests.');
    expect(lines[1]).toBe('Tool call Bash: npm test');
    expect(lines[2]).toMatch(/^Tool error: 1 failed y+…$/);
    expect(lines[2]?.length).toBeLessThan(450);
    expect(lines[3]).toBe('Tool call mcp__x__y: {"a":1,"b":[2]}');
    expect(lines[4]).toBe('Person: Also update the README.');
    expect(lines[5]).toBe('Finished (success)');
    expect(lines).toHaveLength(6);
    expect(transcriptDigest(events)).not.toContain('secret thoughts');
  });

  it('keeps the newest entries when cut, saying how many were left out', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({
      type: 'assistant.text',
      data: { messageId: `m${i}`, text: `step ${i}` },
    }));
    const digest = transcriptDigest(many, 1_000);
    expect(digest.length).toBeLessThanOrEqual(1_000);
    expect(digest).toMatch(/^\(\d+ earlier entries left out\)\n/);
    expect(digest.endsWith('Assistant: step 499')).toBe(true);
    expect(digest).not.toContain('step 0\n');
  });

  it('keeps the end of a single entry longer than the limit', () => {
    const digest = transcriptDigest([{ type: 'assistant.text', data: { text: `${'a'.repeat(5_000)}THE END` } }], 500);
    expect(digest.length).toBeLessThanOrEqual(500);
    expect(digest.endsWith('THE END')).toBe(true);
  });
});
