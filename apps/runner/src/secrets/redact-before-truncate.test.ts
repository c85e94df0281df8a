// Unit tests that a size cap cannot halve a secret: the event mapper redacts before it cuts tool output, tool input
// and result text, and the event redactor treats what was cut elsewhere (a truncated tool output, a
// `{ truncated, preview }`, a status reason) as ending there.
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { EventDraft } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import { AgentEventMapper, RESULT_TEXT_BYTES, TOOL_INPUT_BYTES, TOOL_RESULT_BYTES } from '../agent/agent-events';
import { CONFIGURED, expectNoMaterial } from '../testing/redaction-canaries';
import { EventRedactor } from './event-redactor';
import { createRedactor, REDACTED } from './redactor';

const KEY = `sk-ant-api03-${'Zx9_Yw8-Vu7'.repeat(5)}AA`;
const BASE64 = Buffer.from(CONFIGURED).toString('base64');
const SECRETS = [
  { name: 'configured secret', value: CONFIGURED, material: CONFIGURED },
  { name: 'its base64', value: BASE64, material: BASE64.replace(/=+$/, '').slice(0, -1) },
  { name: 'Anthropic key', value: KEY, material: KEY.slice(3) },
];
const redactor = createRedactor([CONFIGURED]);
const session = { session_id: 'sess-1', uuid: '00000000-0000-0000-0000-000000000000', parent_tool_use_id: null };
const sdk = (message: Record<string, unknown>) => message as unknown as SDKMessage;

/** Text of `size` characters in which `secret` starts `before` characters ahead of the end: a cap there halves it. */
const straddling = (size: number, secret: string, before: number) =>
  `${'x'.repeat(size - before - 1)} ${secret} and the rest of the output`;

/** Everything the mapper makes of the messages, through the event redactor, as the log streamer gets it. */
function released(messages: SDKMessage[], mapper: AgentEventMapper): string {
  const out: EventDraft[] = [];
  const events = new EventRedactor(redactor, { holdMs: 60_000, release: (draft) => out.push(draft) });
  for (const message of messages) for (const draft of mapper.map(message)) events.push(draft);
  events.flush();
  events.dispose();
  return JSON.stringify(out);
}

const toolResult = (text: string) =>
  sdk({
    type: 'user',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: text }] },
    ...session,
  });
const toolCall = (command: string) =>
  sdk({
    type: 'assistant',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command } }],
      stop_reason: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    },
    ...session,
  });
const result = (text: string) =>
  sdk({
    type: 'result',
    subtype: 'success',
    is_error: false,
    result: text,
    total_cost_usd: 0.01,
    num_turns: 1,
    duration_ms: 1,
    duration_api_ms: 1,
    usage: { input_tokens: 1, output_tokens: 1 },
    ...session,
  });
const withNext = (message: SDKMessage) => [message, toolResult('next output goes on here')];

describe('a secret cut in half by a size cap', () => {
  const mapper = () => new AgentEventMapper(undefined, (text) => redactor.redactText(text));

  it.each(SECRETS)('leaves no half of a $name in a truncated tool output', ({ value, material }) => {
    for (const before of [4, 9, value.length - 4]) {
      const out = released(withNext(toolResult(straddling(TOOL_RESULT_BYTES, value, before))), mapper());
      // The cap may cut the marker itself ("[RED"): what is gone is the secret, whole.
      expect(/ \[RED/.test(out), 'the secret was replaced').toBe(true);
      expectNoMaterial(out, material, `cut ${before} characters in`);
    }
  });

  it.each(SECRETS)('leaves no half of a $name in a truncated tool input or result text', ({ value, material }) => {
    for (const before of [4, 9, value.length - 4]) {
      // JSON.stringify adds `{"command":"` ahead of the command: the cut falls `before` characters into the secret.
      const input = toolCall(straddling(TOOL_INPUT_BYTES - '{"command":"'.length, value, before));
      expectNoMaterial(released([input], mapper()), material, `tool input cut ${before} characters in`);
      const text = result(straddling(RESULT_TEXT_BYTES, value, before));
      expectNoMaterial(released([text], mapper()), material, `result cut ${before} characters in`);
    }
  });

  it.each(SECRETS)('leaves no half of a $name where the cut was made before redaction', ({ value, material }) => {
    // A mapper without the redactor (the approval gate's previews, status reasons clipped where they are made).
    for (const before of [4, 9, value.length - 4]) {
      const cutOutput = released(
        withNext(toolResult(straddling(TOOL_RESULT_BYTES, value, before))),
        new AgentEventMapper(),
      );
      expectNoMaterial(cutOutput, material, `tool output cut ${before} characters in`);
      const input = toolCall(straddling(TOOL_INPUT_BYTES - '{"command":"'.length, value, before));
      expectNoMaterial(released([input], new AgentEventMapper()), material, `preview cut ${before} characters in`);
    }
    const out: EventDraft[] = [];
    const events = new EventRedactor(redactor, { holdMs: 60_000, release: (draft) => out.push(draft) });
    const reason = `Claude Code failed: ${value}`.slice(0, 24);
    events.push({ type: 'status', ts: new Date().toISOString(), data: { status: 'failed', reason } });
    expect(JSON.stringify(out)).toContain(REDACTED);
    expectNoMaterial(JSON.stringify(out), material.slice(0, 24 - 20), 'status reason');
  });

  it('keeps output that was not cut as it is', () => {
    const out = released(withNext(toolResult('ok: the build passed')), mapper());
    expect(out).toContain('ok: the build passed');
    expect(out).not.toContain(REDACTED);
  });
});
