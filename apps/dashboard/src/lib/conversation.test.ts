// A conversation's turns (oldest first, the current one marked, answers from result text), whether it shows, what a
// send says and where it goes, and the Ctrl/Cmd+Enter shortcut.
import { describe, expect, it } from 'vitest';
import {
  canMessage,
  conversationCost,
  conversationTurns,
  isSendShortcut,
  sentOutcome,
  showConversation,
} from './conversation';
import { executionFixture } from './test-fixtures';

const result = (text: string) => ({
  subtype: 'success',
  isError: false,
  text,
  totalCostUsd: 0.01,
  numTurns: 1,
  durationMs: 10,
  sessionId: 's',
});

describe('conversation turns', () => {
  const first = executionFixture('ex_a', {
    prompt: 'Fix the test',
    status: 'succeeded',
    costUsd: 0.02,
    result: result('Fixed it.'),
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  const second = executionFixture('ex_b', {
    prompt: 'Now add a changelog line',
    status: 'running',
    costUsd: null,
    trigger: { kind: 'followup', id: 'ex_a' },
    followupOf: 'ex_a',
    conversationId: 'ex_a',
    createdAt: '2026-01-01T00:05:00.000Z',
  });

  it('orders turns oldest first, marks the current one and takes the answer from the result text', () => {
    const turns = conversationTurns([second, first], 'ex_b');
    expect(turns.map((t) => [t.id, t.prompt, t.answer, t.current])).toEqual([
      ['ex_a', 'Fix the test', 'Fixed it.', false],
      ['ex_b', 'Now add a changelog line', null, true],
    ]);
    expect(turns[0]!.href).toBe('/executions/ex_a');
    expect(conversationCost(turns)).toBeCloseTo(0.02);
    expect(showConversation(turns)).toBe(true);
    expect(showConversation(conversationTurns([first], 'ex_a'))).toBe(false);
  });

  it('marks a retried turn', () => {
    const retry = executionFixture('ex_c', {
      trigger: { kind: 'retry', id: 'ex_a' },
      createdAt: '2026-01-02T00:00:00Z',
    });
    expect(conversationTurns([first, retry], 'ex_a').map((t) => t.retry)).toEqual([false, true]);
  });
});

describe('message box', () => {
  it('says where a message went and goes to a follow-up', () => {
    const running = executionFixture('ex_a', { status: 'running' });
    expect(sentOutcome({ delivery: 'live', messageId: 'msg_1', execution: running })).toEqual({
      text: 'Sent to the running session.',
      goTo: null,
    });
    const next = executionFixture('ex_b', { trigger: { kind: 'followup', id: 'ex_a' } });
    expect(sentOutcome({ delivery: 'followup', messageId: null, execution: next })).toEqual({
      text: 'Follow-up started.',
      goTo: '/executions/ex_b',
    });
  });

  it('sends on Ctrl+Enter or Cmd+Enter only', () => {
    expect(isSendShortcut({ key: 'Enter', ctrlKey: true, metaKey: false })).toBe(true);
    expect(isSendShortcut({ key: 'Enter', ctrlKey: false, metaKey: true })).toBe(true);
    expect(isSendShortcut({ key: 'Enter', ctrlKey: false, metaKey: false })).toBe(false);
    expect(isSendShortcut({ key: 'a', ctrlKey: true, metaKey: false })).toBe(false);
  });

  it('waits while the execution has not started', () => {
    expect(canMessage('queued')).toBe(false);
    expect(canMessage('blocked')).toBe(false);
    expect(canMessage('running')).toBe(true);
    expect(canMessage('succeeded')).toBe(true);
  });
});
