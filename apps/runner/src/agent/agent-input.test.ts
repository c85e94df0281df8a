// Unit tests of a run's streaming input: the prompt first, then each message once, the end after a result with
// nothing waiting, and messages that come after the end left to the hub.
import { describe, expect, it } from 'vitest';
import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import { AgentInput, type LiveMessage } from './agent-input';

const message = (n: number): LiveMessage => ({ messageId: `msg_${n}`, text: `message ${n}`, from: 'ada@example.com' });
const textOf = (turn: SDKUserMessage) => turn.message.content;

describe('AgentInput', () => {
  it('yields the prompt, then the messages in arrival order (those sent before the start too)', async () => {
    const input = new AgentInput();
    const handed: string[] = [];
    expect(input.push(message(1))).toBe('queued');
    const turns = input.stream('the prompt', (m) => handed.push(m.messageId));
    expect((await turns.next()).value).toEqual({
      type: 'user',
      message: { role: 'user', content: 'the prompt' },
      parent_tool_use_id: null,
    });
    expect(handed).toEqual([]);
    expect(textOf((await turns.next()).value as SDKUserMessage)).toBe('message 1');
    expect(handed).toEqual(['msg_1']);
    const next = turns.next();
    expect(input.push(message(2))).toBe('queued');
    expect(textOf((await next).value as SDKUserMessage)).toBe('message 2');
    expect(handed).toEqual(['msg_1', 'msg_2']);
  });

  it('takes a re-sent messageId once', async () => {
    const input = new AgentInput();
    const turns = input.stream('p', () => undefined);
    await turns.next();
    expect(input.push(message(1))).toBe('queued');
    expect(input.push(message(1))).toBe('duplicate');
    await turns.next();
    expect(input.push(message(1))).toBe('duplicate');
    expect(input.pending).toBe(0);
  });

  it('ends after a result when no message waits; a message after that is not taken', async () => {
    const input = new AgentInput();
    const turns = input.stream('p', () => undefined);
    await turns.next();
    const next = turns.next();
    input.resultSeen();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(input.ended).toBe(true);
    expect(input.push(message(3))).toBe('ended');
  });

  it('goes on after a result while a message waits, and ends at the next result', async () => {
    const input = new AgentInput();
    const handed: string[] = [];
    const turns = input.stream('p', (m) => handed.push(m.messageId));
    await turns.next();
    input.push(message(1));
    // The result of the prompt's turn arrives before the SDK took the message.
    input.resultSeen();
    expect(input.ended).toBe(false);
    expect(textOf((await turns.next()).value as SDKUserMessage)).toBe('message 1');
    const next = turns.next();
    input.resultSeen();
    expect((await next).done).toBe(true);
    expect(handed).toEqual(['msg_1']);
  });

  it('hands nothing over once ended (a cancel): the queued messages stay the hub’s', async () => {
    const input = new AgentInput();
    const handed: string[] = [];
    const turns = input.stream('p', (m) => handed.push(m.messageId));
    await turns.next();
    input.end();
    expect(input.push(message(1))).toBe('ended');
    expect((await turns.next()).done).toBe(true);
    expect(handed).toEqual([]);
  });

  it('keeps the run open while supervision decides after a result, and sends its feedback as the next turn', async () => {
    const input = new AgentInput();
    const verdicts = ['fix the tests', null];
    input.superviseWith(async () => verdicts.shift() ?? null);
    const handed: LiveMessage[] = [];
    const turns = input.stream('the prompt', (m) => handed.push(m));
    await turns.next();
    input.resultSeen();
    expect(input.ended).toBe(false);
    expect(textOf((await turns.next()).value as SDKUserMessage)).toBe('fix the tests');
    expect(handed).toMatchObject([{ from: 'reviewer', text: 'fix the tests' }]);
    input.resultSeen();
    expect((await turns.next()).done).toBe(true);
    expect(input.ended).toBe(true);
  });
});
