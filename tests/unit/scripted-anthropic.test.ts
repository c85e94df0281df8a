// Unit tests for the scripted Anthropic API fixture: well-formed SSE and Message JSON, stateless turn choice, recording.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COSTLY_USAGE, parseScriptMarker, scriptUsage } from '../fixtures/anthropic-scripts';
import { type ScriptedAnthropic, startScriptedAnthropic } from '../fixtures/scripted-anthropic';

type Sse = { event: string; data: Record<string, unknown> & { type: string } };

/** Parses an SSE body strictly: every frame is `event:` + `data:` with JSON whose type names the event. */
function parseSse(body: string): Sse[] {
  expect(body.endsWith('\n\n')).toBe(true);
  return body
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const match = /^event: ([a-z_]+)\ndata: (.+)$/.exec(frame);
      expect(match, frame).not.toBeNull();
      const data = JSON.parse(match![2]!) as Sse['data'];
      expect(data.type).toBe(match![1]);
      return { event: match![1]!, data };
    });
}

const BASH_TOOL = { name: 'Bash', description: 'Run a command', input_schema: { type: 'object' } };

function messagesBody(prompt: string, turns: number, extra: Record<string, unknown> = {}) {
  const messages: unknown[] = [{ role: 'user', content: [{ type: 'text', text: prompt }] }];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `turn ${i}` }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: 'ok' }] });
  }
  return { model: 'claude-sonnet-4-5', max_tokens: 32000, stream: true, tools: [BASH_TOOL], messages, ...extra };
}

let api: ScriptedAnthropic;
beforeEach(async () => {
  api = await startScriptedAnthropic();
});
afterEach(async () => {
  await api.close();
});

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-claude-code-session-id': 'sess-1' },
    body: JSON.stringify(body),
    ...init,
  });

describe('scripted Anthropic API', () => {
  it('streams a tool_use turn as well-formed SSE that adds up to the scripted content', async () => {
    const res = await post('/v1/messages?beta=true', messagesBody('Do it [script:write-file:out.txt]', 0));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await res.text());

    expect(events[0]?.event).toBe('message_start');
    expect(events.at(-1)?.event).toBe('message_stop');
    const start = events[0]!.data.message as { id: string; model: string; usage: Record<string, unknown> };
    expect(start).toMatchObject({ model: 'claude-sonnet-4-5', usage: { output_tokens: 1, input_tokens: 1200 } });
    // As the real API does: the cache writes split by lifetime (a script without a split writes 5-minute entries).
    expect(start.usage).toMatchObject({
      cache_creation_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 3000, ephemeral_1h_input_tokens: 0 },
    });

    const blocks = new Map<number, { type: string; text: string }>();
    for (const { data } of events) {
      const index = data.index as number;
      if (data.type === 'content_block_start') {
        const block = data.content_block as { type: string };
        blocks.set(index, { type: block.type, text: '' });
      } else if (data.type === 'content_block_delta') {
        const delta = data.delta as Record<string, string>;
        const block = blocks.get(index)!;
        block.text += delta.text ?? delta.thinking ?? delta.partial_json ?? '';
      }
    }
    expect([...blocks.values()].map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(JSON.parse(blocks.get(2)!.text)).toEqual({
      command: "echo 'hello from claudeops' > out.txt",
      description: 'Write out.txt',
    });
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data.index);
    const stops = events.filter((e) => e.event === 'content_block_stop').map((e) => e.data.index);
    expect(stops).toEqual(starts);

    const delta = events.find((e) => e.event === 'message_delta')!.data;
    expect(delta).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 80 } });
    expect(api.requests).toEqual([
      expect.objectContaining({
        kind: 'messages',
        script: 'write-file',
        turn: 0,
        sessionId: 'sess-1',
        messageId: start.id,
        completed: true,
      }),
    ]);
  });

  it('picks the turn from the conversation, so interleaved runs each get their own next turn', async () => {
    const [late, early] = await Promise.all([
      post('/v1/messages', messagesBody('[script:chatty:3]', 3, { stream: false })).then((res) => res.json()),
      post('/v1/messages', messagesBody('[script:chatty:3]', 1, { stream: false })).then((res) => res.json()),
    ]);
    expect(late).toMatchObject({
      type: 'message',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Finished 3 steps.' }],
    });
    expect(early).toMatchObject({
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: 'Step 2 of 3.' },
        { type: 'tool_use', name: 'Bash' },
      ],
    });
    expect(api.requests.map((request) => request.turn).sort()).toEqual([1, 3]);
  });

  it('answers tool-less side calls, token counts and unknown routes sensibly', async () => {
    const side = await post('/v1/messages', { model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] });
    expect(await side.json()).toMatchObject({ content: [{ type: 'text' }], stop_reason: 'end_turn' });
    const titleSchema = { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] };
    const title = await post('/v1/messages', {
      ...messagesBody('[script:write-file]', 0, { stream: false, tools: [] }),
      output_config: { format: { type: 'json_schema', schema: titleSchema } },
    });
    const titleText = ((await title.json()) as { content: { text: string }[] }).content[0]?.text;
    expect(JSON.parse(titleText ?? '')).toEqual({ title: expect.any(String) });
    const counted = await post('/v1/messages/count_tokens', messagesBody('hi', 0));
    expect(await counted.json()).toEqual({ input_tokens: expect.any(Number) });
    const missing = await post('/v1/nope', {});
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(api.requests.map((request) => request.kind)).toEqual(['side', 'side', 'count_tokens', 'other']);
    expect(api.requests[1]).toMatchObject({ script: null, turn: null });
  });

  it('holds a slow turn until the client hangs up, recording it as not completed', async () => {
    const abort = new AbortController();
    const res = await post('/v1/messages', messagesBody('[script:slow]', 1), { signal: abort.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: message_start\n/);
    const held = await api.waitForRequest((request) => request.script === 'slow' && request.turn === 1);
    abort.abort();
    await expect(reader.read()).rejects.toThrow();
    expect(held.completed).toBe(false);
  });

  it('runs `costly:N` as N Bash turns and a final answer, every call reporting COSTLY_USAGE', async () => {
    const answers = (await Promise.all(
      [0, 2].map((turns) =>
        post('/v1/messages', messagesBody('[script:costly:2]', turns, { stream: false })).then((res) => res.json()),
      ),
    )) as { stop_reason: string; usage: Record<string, unknown> }[];
    expect(answers.map((answer) => answer.stop_reason)).toEqual(['tool_use', 'end_turn']);
    for (const { usage } of answers) {
      expect(usage).toEqual({
        input_tokens: 50_000,
        output_tokens: 2_000,
        cache_read_input_tokens: 20_000,
        cache_creation_input_tokens: 15_000,
        cache_creation: { ephemeral_5m_input_tokens: 10_000, ephemeral_1h_input_tokens: 5_000 },
      });
      expect(usage).toMatchObject(COSTLY_USAGE);
    }
  });

  it('rejects unknown scripts with an API error', async () => {
    const res = await post('/v1/messages', messagesBody('[script:no-such-script]', 0));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('parseScriptMarker', () => {
  it('finds the name and optional argument anywhere in the prompt', () => {
    expect(parseScriptMarker('please [script:chatty:200] now')).toEqual({ name: 'chatty', arg: '200' });
    expect(parseScriptMarker('[script:slow]')).toEqual({ name: 'slow', arg: undefined });
    expect(parseScriptMarker('no marker')).toBeNull();
  });
});

describe('scriptUsage', () => {
  it('fills the total from the split, the split from the total, and the rest from the defaults', () => {
    expect(scriptUsage({ cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 } })).toEqual({
      input_tokens: 100,
      output_tokens: 20,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 7,
      cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 },
    });
    expect(
      scriptUsage({ cache_creation_input_tokens: 10, cache_creation: { ephemeral_1h_input_tokens: 4 } }),
    ).toMatchObject({
      cache_creation_input_tokens: 10,
      cache_creation: { ephemeral_5m_input_tokens: 6, ephemeral_1h_input_tokens: 4 },
    });
    expect(scriptUsage({ inference_geo: 'us' })).toMatchObject({ inference_geo: 'us', cache_creation_input_tokens: 0 });
  });
});
