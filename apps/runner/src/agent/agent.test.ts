// Unit tests of the agent's conversation with the Agent SDK, with a double of the SDK's query: the prompt and the
// live messages go in as streaming input, one result per turn with the last one the run's, the input ending after
// a result, and a follow-up's session resumed.
import { describe, expect, it } from 'vitest';
import type { Options, query as sdkQuery, SDKMessage, SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { EventDraft } from '@claudeops/control-plane/protocol';
import { startAgent, USER_MESSAGE_EVENT_BYTES, type AgentJob } from './agent';
import { AgentInput } from './agent-input';

interface FakeSdk {
  query: typeof sdkQuery;
  options: Options[];
  /** The text of every user turn Claude Code was given, in order. */
  turns: string[];
}

const result = (text: string, isError = false): SDKMessage =>
  ({
    type: 'result',
    subtype: 'success',
    is_error: isError,
    result: text,
    total_cost_usd: 0.01,
    num_turns: 1,
    duration_ms: 5,
    duration_api_ms: 4,
    session_id: 'sess-1',
    usage: { input_tokens: 1, output_tokens: 1 },
  }) as unknown as SDKMessage;

/**
 * Claude Code as the SDK streams it: a result for each user turn, in order; `onTurn` runs when a turn is taken
 * (before its result), so a test can send a message while that turn is in progress.
 */
function fakeSdk(answer: (text: string, turn: number) => SDKMessage, onTurn?: (turn: number) => void): FakeSdk {
  const sdk: FakeSdk = { options: [], turns: [], query: undefined as unknown as typeof sdkQuery };
  sdk.query = (({ prompt, options }: { prompt: AsyncIterable<SDKUserMessage>; options: Options }) => {
    sdk.options.push(options);
    return (async function* () {
      for await (const turn of prompt) {
        const text = String(turn.message.content);
        sdk.turns.push(text);
        onTurn?.(sdk.turns.length);
        yield answer(text, sdk.turns.length);
      }
    })();
  }) as unknown as typeof sdkQuery;
  return sdk;
}

const job = (extra: Partial<AgentJob> = {}): AgentJob => ({
  executionId: 'ex_01hzzzzzzzzzzzzzzzzzzzzzzz',
  prompt: 'first prompt',
  model: null,
  maxBudgetUsd: null,
  cwd: '/nonexistent/workspace',
  env: {},
  ...extra,
});

function run(agentJob: AgentJob, sdk: FakeSdk) {
  const events: EventDraft[] = [];
  const handle = startAgent(agentJob, (draft) => events.push(draft), { query: sdk.query, graceMs: 10 });
  return { events, done: handle.done };
}

const ofType = <T extends EventDraft['type']>(events: EventDraft[], type: T) =>
  events.filter((event): event is Extract<EventDraft, { type: T }> => event.type === type);

describe('startAgent streaming input', () => {
  it('ends the input after the result of a run nobody wrote to: the run ends as a one-prompt run', async () => {
    const sdk = fakeSdk((text) => result(`answered ${text}`));
    const { events, done } = run(job(), sdk);
    expect(await done).toEqual({ status: 'succeeded' });
    expect(sdk.turns).toEqual(['first prompt']);
    expect(ofType(events, 'result').map((event) => event.data.text)).toEqual(['answered first prompt']);
    expect(ofType(events, 'user.message')).toEqual([]);
  });

  it('hands a message sent during a turn to Claude Code as the next turn; the last result is the run’s', async () => {
    const input = new AgentInput();
    const sdk = fakeSdk(
      (text, turn) => result(`answered ${text}`, turn === 1),
      (turn) => {
        if (turn === 1) input.push({ messageId: 'msg_1', text: 'and now this', from: 'ada@example.com' });
      },
    );
    const { events, done } = run(job({ input }), sdk);
    // The first turn's result is an error; the run's outcome is its last turn's.
    expect(await done).toEqual({ status: 'succeeded' });
    expect(sdk.turns).toEqual(['first prompt', 'and now this']);
    expect(events.map((event) => event.type).filter((type) => type !== 'log')).toEqual([
      'result',
      'user.message',
      'result',
    ]);
    expect(ofType(events, 'user.message')[0]!.data).toEqual({
      messageId: 'msg_1',
      text: 'and now this',
      from: 'ada@example.com',
    });
    expect(input.push({ messageId: 'msg_2', text: 'too late', from: 'ada@example.com' })).toBe('ended');
  });

  it('fails the run when the last turn fails, whatever the earlier turns did', async () => {
    const input = new AgentInput();
    input.push({ messageId: 'msg_1', text: 'break it', from: 'ada@example.com' });
    const sdk = fakeSdk((text, turn) => result(turn === 2 ? 'it broke' : 'fine', turn === 2));
    const { done } = run(job({ input }), sdk);
    expect(await done).toEqual({ status: 'failed', reason: 'it broke' });
    expect(sdk.turns).toEqual(['first prompt', 'break it']);
  });

  it('cuts a long message to fit its event, while Claude Code gets all of it', async () => {
    const input = new AgentInput();
    const long = 'x'.repeat(USER_MESSAGE_EVENT_BYTES * 2);
    input.push({ messageId: 'msg_long', text: long, from: 'ada@example.com' });
    const sdk = fakeSdk(() => result('ok'));
    const { events, done } = run(job({ input }), sdk);
    await done;
    expect(sdk.turns[1]).toBe(long);
    const text = ofType(events, 'user.message')[0]!.data.text;
    expect(text.length).toBeLessThanOrEqual(USER_MESSAGE_EVENT_BYTES);
    expect(long.startsWith(text)).toBe(true);
  });
});

describe('startAgent resume', () => {
  it('passes a follow-up’s session to the SDK as `resume`, and none otherwise', async () => {
    const sdk = fakeSdk(() => result('ok'));
    await run(job({ resumeSessionId: '6f1c0d0e-1111-4222-8333-944445555666' }), sdk).done;
    await run(job(), sdk).done;
    expect(sdk.options[0]!.resume).toBe('6f1c0d0e-1111-4222-8333-944445555666');
    expect(sdk.options[1]!).not.toHaveProperty('resume');
  });
});
