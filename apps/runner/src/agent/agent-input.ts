// The user turns of one Claude Code run, as the Agent SDK's streaming input: the job's prompt first, then each message
// a person sends while the run lasts (the hub's exec.message), each messageId once. After a result with no message
// waiting the input ends, so Claude Code finishes as a one-prompt run does. Owned by the running job (running-job.ts:
// messages may arrive before Claude Code starts) and read by the agent (agent.ts).
import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';

/** A person's message for the live session (the exec.message frame without its type). */
export interface LiveMessage {
  messageId: string;
  text: string;
  from: string;
}

/**
 * What became of a pushed message: `queued` (it goes to Claude Code as the next user turn), `duplicate` (this
 * messageId came before: a re-send after a reconnect), `ended` (the input is over: not taken, so the hub keeps it).
 */
export type Delivery = 'queued' | 'duplicate' | 'ended';

const userTurn = (text: string): SDKUserMessage => ({
  type: 'user',
  message: { role: 'user', content: text },
  parent_tool_use_id: null,
});

export class AgentInput {
  readonly #seen = new Set<string>();
  readonly #queue: LiveMessage[] = [];
  #ended = false;
  #opened = false;
  #wake: (() => void) | null = null;
  #afterTurn: (() => Promise<string | null>) | null = null;
  #supervised = 0;

  /** No more user turns: the run is over, or Claude Code answered and nothing was waiting. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Messages taken but not yet handed to Claude Code. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Takes a person's message for the next user turn (see Delivery). */
  push(message: LiveMessage): Delivery {
    if (this.#seen.has(message.messageId)) return 'duplicate';
    if (this.#ended) return 'ended';
    this.#seen.add(message.messageId);
    this.#queue.push(message);
    this.#wakeUp();
    return 'queued';
  }

  /**
   * Supervision after a turn that would end the run (checks, a reviewer): it answers with the next turn's text (the
   * findings, sent back to the agent) or null, and until it answers the run stays open.
   */
  superviseWith(afterTurn: () => Promise<string | null>): void {
    this.#afterTurn = afterTurn;
  }

  /** Claude Code produced a result: the input ends unless a message waits to become the next turn (or supervision
   * sends one). */
  resultSeen(): void {
    if (this.#queue.length > 0) return;
    const afterTurn = this.#afterTurn;
    if (afterTurn === null) {
      this.end();
      return;
    }
    void afterTurn()
      .catch(() => null)
      .then((text) => {
        if (this.#ended) return;
        if (text !== null) this.push({ messageId: `supervisor-${++this.#supervised}`, text, from: 'reviewer' });
        else if (this.#queue.length === 0) this.end();
      });
  }

  /** Ends the input; messages still queued were never handed over (nothing recorded them, so the hub keeps them). */
  end(): void {
    this.#ended = true;
    this.#wakeUp();
  }

  /**
   * The streaming input for the SDK (once per run): `prompt`, then every message in arrival order. `handed` runs as
   * each message goes to Claude Code, just before the SDK takes it (the runner's `user.message` event).
   */
  async *stream(prompt: string, handed: (message: LiveMessage) => void): AsyncGenerator<SDKUserMessage, void> {
    if (this.#opened) throw new Error('the input of a run is streamed once');
    this.#opened = true;
    yield userTurn(prompt);
    for (;;) {
      if (this.#ended) return;
      const next = this.#queue.shift();
      if (next) {
        handed(next);
        yield userTurn(next.text);
      } else {
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
