// Helpers for the hub-*.test.ts files about costs and budgets: usage and budget.alert events as a runner sends them.
import type { EventData, ExecutionEvent } from '../src/protocol';

let messages = 0;

/** One API message's usage, as the runner reports it (the hub adds its cost). */
export const usageData = (model: string, tokens: Partial<EventData<'usage'>> = {}): EventData<'usage'> => ({
  messageId: `msg_${++messages}`,
  model,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
  ...tokens,
});

export const usageEvent = (seq: number, data: EventData<'usage'>): ExecutionEvent => ({
  seq,
  ts: new Date().toISOString(),
  type: 'usage',
  data,
});

/** The event a runner records when the hub relays a budget alert to it. */
export const alertEvent = (seq: number, alert: EventData<'budget.alert'>): ExecutionEvent => ({
  seq,
  ts: new Date().toISOString(),
  type: 'budget.alert',
  data: alert,
});
