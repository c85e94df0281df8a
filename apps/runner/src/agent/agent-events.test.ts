// Unit tests for agent-events.ts: SDK messages (shaped as Claude Code 2.1 emits them) → protocol event drafts.
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { EVENT_DATA, type EventDraft, IsoTime, MAX_EVENT_BYTES } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import { AgentEventMapper, splitText, TEXT_CHUNK_BYTES, TOOL_RESULT_BYTES } from './agent-events';

const sdk = (message: Record<string, unknown>) => message as unknown as SDKMessage;
const session = { session_id: 'sess-1', uuid: '00000000-0000-0000-0000-000000000000' };

/** Maps messages and checks every draft against the protocol, as the hub will. */
function mapAll(messages: SDKMessage[], mapper = new AgentEventMapper()): EventDraft[] {
  const drafts = messages.flatMap((message) => mapper.map(message));
  for (const draft of drafts) {
    expect(() => EVENT_DATA[draft.type].parse(draft.data)).not.toThrow();
    expect(() => IsoTime.parse(draft.ts)).not.toThrow();
    expect(Buffer.byteLength(JSON.stringify({ seq: 1, ...draft }))).toBeLessThan(MAX_EVENT_BYTES);
  }
  return drafts;
}

const stream = (event: Record<string, unknown>, apiMessageId?: string) =>
  sdk({ type: 'stream_event', event, parent_tool_use_id: null, ...session, api_message_id: apiMessageId });

const assistant = (id: string, content: unknown[], usage = { input_tokens: 100, output_tokens: 1 }) =>
  sdk({
    type: 'assistant',
    message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, stop_reason: null, usage },
    parent_tool_use_id: null,
    ...session,
  });

/** One API message as Claude Code streams it: an assistant message per content block, each repeating the usage. */
function streamedMessage(id: string, outputTokens: number): SDKMessage[] {
  const startUsage = {
    input_tokens: 100,
    output_tokens: 1,
    cache_read_input_tokens: 40,
    cache_creation_input_tokens: 7,
  };
  return [
    stream({ type: 'message_start', message: { id, model: 'claude-sonnet-4-5', content: [], usage: startUsage } }),
    stream({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, id),
    assistant(id, [{ type: 'text', text: 'Writing it.' }], startUsage),
    stream({ type: 'content_block_stop', index: 0 }, id),
    assistant(id, [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'echo hi' } }], startUsage),
    stream({ type: 'content_block_stop', index: 1 }, id),
    stream({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: outputTokens } }, id),
    stream({ type: 'message_stop' }, id),
  ];
}

describe('AgentEventMapper', () => {
  it('maps the init message to system.init', () => {
    const [draft] = mapAll([
      sdk({
        type: 'system',
        subtype: 'init',
        ...session,
        cwd: '/work/ex_1',
        model: 'claude-sonnet-4-5',
        tools: ['Bash', 'Read'],
        permissionMode: 'default',
        claude_code_version: '2.1.329',
      }),
    ]);
    expect(draft).toMatchObject({
      type: 'system.init',
      data: { sessionId: 'sess-1', cwd: '/work/ex_1', tools: ['Bash', 'Read'], claudeCodeVersion: '2.1.329' },
    });
  });

  it('emits text and tool calls, and one usage per API message with the final output tokens', () => {
    const drafts = mapAll([...streamedMessage('msg_a', 42), ...streamedMessage('msg_b', 7)]);
    expect(drafts.map((draft) => draft.type)).toEqual([
      'assistant.text',
      'tool.call',
      'usage',
      'assistant.text',
      'tool.call',
      'usage',
    ]);
    expect(drafts[1]?.data).toEqual({
      messageId: 'msg_a',
      toolUseId: 'toolu_1',
      name: 'Bash',
      input: { command: 'echo hi' },
    });
    expect(drafts.filter((draft) => draft.type === 'usage').map((draft) => draft.data)).toEqual([
      {
        messageId: 'msg_a',
        model: 'claude-sonnet-4-5',
        inputTokens: 100,
        outputTokens: 42,
        cacheReadInputTokens: 40,
        cacheCreationInputTokens: 7,
      },
      expect.objectContaining({ messageId: 'msg_b', outputTokens: 7 }),
    ]);
  });

  it('carries the cache-write split and the other priced usage fields the API reports, final ones from the delta', () => {
    const id = 'msg_split';
    const startUsage = {
      input_tokens: 10,
      output_tokens: 1,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 700,
      cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 400 },
      server_tool_use: { web_search_requests: 1 },
      inference_geo: 'us',
      speed: 'standard',
    };
    const drafts = mapAll([
      stream({ type: 'message_start', message: { id, model: 'claude-opus-5-5', content: [], usage: startUsage } }),
      assistant(id, [{ type: 'text', text: 'Searched.' }], startUsage),
      stream({
        type: 'message_delta',
        delta: {},
        usage: { output_tokens: 9, server_tool_use: { web_search_requests: 2 } },
      }),
      stream({ type: 'message_stop' }, id),
    ]);
    expect(drafts.find((draft) => draft.type === 'usage')?.data).toEqual({
      messageId: id,
      model: 'claude-opus-5-5',
      inputTokens: 10,
      outputTokens: 9,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 700,
      cacheCreation5mInputTokens: 300,
      cacheCreation1hInputTokens: 400,
      webSearchRequests: 2,
      inferenceGeo: 'us',
      speed: 'standard',
    });
  });

  it('takes the split from the assistant message when there was no stream', () => {
    const usage = { input_tokens: 5, output_tokens: 2, cache_creation_input_tokens: 8, cache_creation: {} };
    const mapper = new AgentEventMapper();
    mapAll([assistant('msg_plain', [{ type: 'text', text: 'x' }], usage as never)], mapper);
    expect(mapper.finish()[0]?.data).toMatchObject({
      cacheCreationInputTokens: 8,
      cacheCreation5mInputTokens: 0,
      cacheCreation1hInputTokens: 0,
    });
  });

  it('counts a message seen only as assistant messages once, before the result', () => {
    const usage = { input_tokens: 10, output_tokens: 5 };
    const drafts = mapAll([
      assistant('msg_c', [{ type: 'text', text: 'a' }], usage),
      assistant('msg_c', [{ type: 'text', text: 'b' }], usage),
      sdk({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: 'b',
        total_cost_usd: 0.0123,
        num_turns: 1,
        duration_ms: 900,
        duration_api_ms: 400,
        usage,
        ...session,
      }),
    ]);
    expect(drafts.map((draft) => draft.type)).toEqual(['assistant.text', 'assistant.text', 'usage', 'result']);
    expect(drafts[3]?.data).toMatchObject({ subtype: 'success', text: 'b', totalCostUsd: 0.0123, numTurns: 1 });
  });

  it('counts a stream cut off by a cancel with what arrived, when the run finishes', () => {
    const mapper = new AgentEventMapper();
    const id = 'msg_cut';
    mapAll([stream({ type: 'message_start', message: { id, model: 'm', usage: { input_tokens: 9 } } })], mapper);
    expect(mapper.finish()).toEqual([
      expect.objectContaining({ type: 'usage', data: expect.objectContaining({ messageId: id, inputTokens: 9 }) }),
    ]);
    expect(mapper.finish()).toEqual([]);
  });

  it('maps tool results, truncating long output', () => {
    const long = 'x'.repeat(TOOL_RESULT_BYTES * 3);
    const drafts = mapAll([
      sdk({
        type: 'user',
        message: {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'hi\n' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: long }], is_error: true },
          ],
        },
        parent_tool_use_id: null,
        ...session,
      }),
    ]);
    expect(drafts[0]?.data).toEqual({ toolUseId: 'toolu_1', isError: false, content: 'hi\n' });
    expect(drafts[1]?.data).toMatchObject({ toolUseId: 'toolu_2', isError: true, truncated: true });
    expect((drafts[1]?.data as { content: string }).content.length).toBe(TOOL_RESULT_BYTES);
  });

  it('ignores replayed user messages and synthetic assistant usage', () => {
    const replay = sdk({ type: 'user', isReplay: true, message: { role: 'user', content: [] }, ...session });
    const synthetic = sdk({
      type: 'assistant',
      message: { id: 'msg_s', model: '<synthetic>', content: [{ type: 'text', text: 'API Error' }], usage: {} },
      parent_tool_use_id: null,
      ...session,
    });
    const mapper = new AgentEventMapper();
    expect(mapAll([replay, synthetic], mapper).map((draft) => draft.type)).toEqual(['assistant.text']);
    expect(mapper.finish()).toEqual([]);
  });

  it('splits long assistant text into events that add up to the whole', () => {
    const text = 'é"\n'.repeat(TEXT_CHUNK_BYTES);
    const drafts = mapAll([assistant('msg_long', [{ type: 'text', text }])]);
    const texts = drafts.filter((draft) => draft.type === 'assistant.text').map((draft) => draft.data.text);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe(text);
  });

  it('reports an error result with its errors as text', () => {
    const [draft] = mapAll([
      sdk({
        type: 'result',
        subtype: 'error_max_budget_usd',
        is_error: true,
        errors: ['Reached maximum budget ($0.01)'],
        total_cost_usd: 0.011,
        num_turns: 3,
        duration_ms: 10,
        duration_api_ms: 5,
        usage: {},
        ...session,
      }),
    ]);
    expect(draft?.data).toMatchObject({ subtype: 'error_max_budget_usd', isError: true, text: expect.any(String) });
  });
});

describe('splitText', () => {
  it('never splits a code point and keeps every piece within the JSON byte limit', () => {
    const text = 'a😀\u0001"é'.repeat(1000);
    const pieces = splitText(text, 100);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(Buffer.byteLength(JSON.stringify(piece)) - 2).toBeLessThanOrEqual(100);
      expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
  });
});
