// Maps Agent SDK messages to protocol event drafts (pure; used by agent.ts). Counts each API message's usage once,
// with its final output_tokens from the partial-message stream and the usage fields its price depends on (cache-write
// split by lifetime, web searches, inference geo, speed), and keeps every event well under MAX_EVENT_BYTES.
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { EventData, EventDraft, TokenUsage } from '@claudeops/control-plane/protocol';

/** Limits in bytes of JSON-encoded text, so one event stays far below the hub's MAX_EVENT_BYTES (64 KiB). */
export const TEXT_CHUNK_BYTES = 16 * 1024;
export const TOOL_RESULT_BYTES = 16 * 1024;
export const TOOL_INPUT_BYTES = 32 * 1024;
export const RESULT_TEXT_BYTES = 32 * 1024;
export const LOG_BYTES = 8 * 1024;

/** Bytes a code point takes inside a JSON string (escapes included), so limits hold for the serialised event. */
function jsonBytes(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20) return 6;
  if (char === '"' || char === '\\') return 2;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 6; // a lone surrogate is escaped as \uXXXX
  return code < 0x10000 ? 3 : 4;
}

/** Splits text into pieces of at most `maxBytes` JSON-encoded bytes, never inside a code point. */
export function splitText(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let size = 0;
  let offset = 0;
  for (const char of text) {
    const cost = jsonBytes(char);
    if (size + cost > maxBytes && offset > start) {
      pieces.push(text.slice(start, offset));
      start = offset;
      size = 0;
    }
    size += cost;
    offset += char.length;
  }
  if (offset > start || pieces.length === 0) pieces.push(text.slice(start));
  return pieces;
}

/** Redacts secrets in text (the runner's redactor); applied before a cut, never after. */
export type Redact = (text: string) => string;

/**
 * The first `maxBytes` of text. With `redact`, text over the limit is redacted whole before it is cut, so a secret
 * the cut would halve is replaced whole instead of leaving its first half.
 */
export function truncateText(text: string, maxBytes: number, redact?: Redact): { text: string; truncated: boolean } {
  const [first = '', ...rest] = splitText(text, maxBytes);
  if (rest.length === 0 || !redact) return { text: first, truncated: rest.length > 0 };
  const [redacted = '', ...cut] = splitText(redact(text), maxBytes);
  return { text: redacted, truncated: cut.length > 0 };
}

type RawUsage = {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  server_tool_use?: { web_search_requests?: number | null } | null;
  inference_geo?: string | null;
  speed?: string | null;
};

/** One API message's usage as a `usage` event carries it: token counts and what else changes its price. */
export type MessageUsage = Omit<EventData<'usage'>, 'messageId' | 'model' | 'costUsd' | 'totalCostUsd' | 'estimated'>;

const count = (value: number | null | undefined) => (typeof value === 'number' && value > 0 ? Math.floor(value) : 0);

export function toTokenUsage(usage: RawUsage | null | undefined): TokenUsage {
  return {
    inputTokens: count(usage?.input_tokens),
    outputTokens: count(usage?.output_tokens),
    cacheReadInputTokens: count(usage?.cache_read_input_tokens),
    cacheCreationInputTokens: count(usage?.cache_creation_input_tokens),
  };
}

const label = (value: string | null | undefined) =>
  typeof value === 'string' && value.length > 0 && value.length <= 32 ? value : undefined;

/**
 * Token counts plus the fields the price depends on, each only when the API reports it: the cache-write split by
 * lifetime (`cache_creation`), web searches, US-only inference and fast mode.
 */
export function toMessageUsage(usage: RawUsage | null | undefined): MessageUsage {
  const split = usage?.cache_creation;
  const searches = count(usage?.server_tool_use?.web_search_requests);
  const inferenceGeo = label(usage?.inference_geo);
  const speed = label(usage?.speed);
  return {
    ...toTokenUsage(usage),
    ...(split
      ? {
          cacheCreation5mInputTokens: count(split.ephemeral_5m_input_tokens),
          cacheCreation1hInputTokens: count(split.ephemeral_1h_input_tokens),
        }
      : {}),
    ...(searches > 0 ? { webSearchRequests: searches } : {}),
    ...(inferenceGeo ? { inferenceGeo } : {}),
    ...(speed ? { speed } : {}),
  };
}

/** Text of a tool_result's content: strings and text blocks as they are, other blocks as a placeholder. */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: { type?: unknown; text?: unknown }) =>
      block.type === 'text' ? String(block.text) : `[${String(block.type)}]`,
    )
    .join('\n');
}

function toolInput(input: unknown, redact: Redact | undefined): unknown {
  const json = JSON.stringify(input ?? null);
  const { text, truncated } = truncateText(json, TOOL_INPUT_BYTES, redact);
  return truncated ? { truncated: true, preview: text } : input;
}

export class AgentEventMapper {
  /** API messages seen but not yet counted, by message id. */
  private readonly open = new Map<string, { model: string; usage: MessageUsage }>();
  private readonly counted = new Set<string>();
  /** The message being streamed per (sub)agent thread, for stream events that do not name it. */
  private readonly streaming = new Map<string, string>();

  /** `redact`: what is cut to size (tool output and input, result text, log lines) is redacted before the cut. */
  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly redact?: Redact,
  ) {}

  map(message: SDKMessage): EventDraft[] {
    switch (message.type) {
      case 'system':
        return this.system(message);
      case 'stream_event':
        return this.streamEvent(message);
      case 'assistant':
        return this.assistant(message);
      case 'user':
        return this.user(message);
      case 'result':
        return [...this.finish(), this.result(message)];
      default:
        return [];
    }
  }

  /** Usage of API messages that never completed (a cancelled stream): counted with what arrived. */
  finish(): EventDraft[] {
    const drafts = [...this.open.keys()].flatMap((id) => this.countUsage(id));
    this.streaming.clear();
    return drafts;
  }

  /** A runner-side diagnostic line as a `log` event. */
  log(level: EventData<'log'>['level'], message: string): EventDraft {
    return this.draft('log', { level, message: truncateText(message, LOG_BYTES, this.redact).text });
  }

  private draft<T extends EventDraft['type']>(type: T, data: EventData<T>): EventDraft {
    return { type, ts: this.now().toISOString(), data } as EventDraft;
  }

  private system(message: Extract<SDKMessage, { type: 'system' }>): EventDraft[] {
    switch (message.subtype) {
      case 'init':
        return [
          this.draft('system.init', {
            sessionId: message.session_id,
            model: message.model,
            cwd: message.cwd,
            tools: message.tools,
            permissionMode: message.permissionMode,
            claudeCodeVersion: message.claude_code_version,
          }),
        ];
      case 'api_retry':
        return [
          this.log(
            'warn',
            `Anthropic API call failed (${message.error_status ?? message.error}); retry ${message.attempt} of ` +
              `${message.max_retries} in ${Math.round(message.retry_delay_ms)} ms`,
          ),
        ];
      case 'compact_boundary':
        return [this.log('info', 'Claude Code compacted the conversation')];
      default:
        return [];
    }
  }

  private streamEvent(message: Extract<SDKMessage, { type: 'stream_event' }>): EventDraft[] {
    const thread = message.parent_tool_use_id ?? '';
    const event = message.event;
    const named = (message as { api_message_id?: unknown }).api_message_id;
    const id = typeof named === 'string' ? named : this.streaming.get(thread);
    switch (event.type) {
      case 'message_start':
        this.streaming.set(thread, event.message.id);
        this.track(event.message.id, event.message.model, event.message.usage);
        return [];
      case 'message_delta': {
        const open = id === undefined ? undefined : this.open.get(id);
        if (open) {
          // The final output count comes here; newer APIs may repeat input-side counts (and the other usage
          // fields), which are final too.
          const delta = event.usage as RawUsage;
          const { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, ...rest } =
            toMessageUsage(delta);
          open.usage = {
            ...open.usage,
            ...rest,
            inputTokens: inputTokens || open.usage.inputTokens,
            outputTokens: delta.output_tokens == null ? open.usage.outputTokens : outputTokens,
            cacheReadInputTokens: cacheReadInputTokens || open.usage.cacheReadInputTokens,
            cacheCreationInputTokens: cacheCreationInputTokens || open.usage.cacheCreationInputTokens,
          };
        }
        return [];
      }
      case 'message_stop':
        if (this.streaming.get(thread) === id) this.streaming.delete(thread);
        return id === undefined ? [] : this.countUsage(id);
      default:
        return [];
    }
  }

  private track(id: string, model: string, usage: RawUsage | null | undefined): void {
    if (this.counted.has(id) || this.open.has(id) || model === '<synthetic>') return;
    this.open.set(id, { model, usage: toMessageUsage(usage) });
  }

  private countUsage(id: string): EventDraft[] {
    const open = this.open.get(id);
    if (!open) return [];
    this.open.delete(id);
    this.counted.add(id);
    return [this.draft('usage', { messageId: id, model: open.model, ...open.usage })];
  }

  private assistant(message: Extract<SDKMessage, { type: 'assistant' }>): EventDraft[] {
    const { id: messageId, model, usage, content } = message.message;
    // Without partial messages (or for a message whose stream we missed) the usage here is the best we have.
    this.track(messageId, model, usage);
    return content.flatMap((block): EventDraft[] => {
      switch (block.type) {
        case 'text':
          return splitText(block.text, TEXT_CHUNK_BYTES)
            .filter((text) => text.length > 0)
            .map((text) => this.draft('assistant.text', { messageId, text }));
        case 'thinking':
          return splitText(block.thinking, TEXT_CHUNK_BYTES)
            .filter((text) => text.length > 0)
            .map((text) => this.draft('assistant.thinking', { messageId, text }));
        case 'tool_use':
        case 'server_tool_use':
        case 'mcp_tool_use':
          return [
            this.draft('tool.call', {
              messageId,
              toolUseId: block.id,
              name: block.name,
              input: toolInput(block.input, this.redact),
            }),
          ];
        default:
          return [];
      }
    });
  }

  private user(message: Extract<SDKMessage, { type: 'user' }>): EventDraft[] {
    // Replays echo the prompt and earlier turns; only fresh tool results are news.
    if ('isReplay' in message && message.isReplay) return [];
    const content = message.message.content;
    if (!Array.isArray(content)) return [];
    return content.flatMap((block) => {
      if (block.type !== 'tool_result') return [];
      const { text, truncated } = truncateText(toolResultText(block.content), TOOL_RESULT_BYTES, this.redact);
      return [
        this.draft('tool.result', {
          toolUseId: block.tool_use_id,
          isError: block.is_error === true,
          content: text,
          ...(truncated ? { truncated } : {}),
        }),
      ];
    });
  }

  private result(message: Extract<SDKMessage, { type: 'result' }>): EventDraft {
    const raw = message.subtype === 'success' ? message.result : message.errors.join('\n');
    const cost = message.total_cost_usd;
    return this.draft('result', {
      subtype: message.subtype,
      isError: message.is_error,
      ...(raw ? { text: truncateText(raw, RESULT_TEXT_BYTES, this.redact).text } : {}),
      totalCostUsd: Number.isFinite(cost) && cost > 0 ? cost : 0,
      numTurns: count(message.num_turns),
      durationMs: Math.max(0, message.duration_ms || 0),
      durationApiMs: Math.max(0, message.duration_api_ms || 0),
      sessionId: message.session_id,
      usage: toTokenUsage(message.usage),
      // Checked against the job's output schema before it is recorded (structured-output.ts).
      ...(message.subtype === 'success' && message.structured_output !== undefined
        ? { structured: message.structured_output }
        : {}),
    });
  }
}
