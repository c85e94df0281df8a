// Redacts one execution's event drafts in order before the log streamer numbers and spools them. The text of
// consecutive text-bearing events (assistant text and thinking, tool output, logs: Claude Code splits long text into
// several events) goes through one redacting stream, so a secret split across them is redacted on both sides; a draft
// whose tail could start a secret is held until the next draft, the hold window, or flush(). Every other string of
// every draft is redacted whole, except text that was cut to size where it was made (a truncated tool output, a
// `{ truncated, preview }` input, a status reason): its end is no continuation, so a secret cut there is redacted.
import { MAX_REASON_CHARS, type EventDraft, type EventType } from '@claudeops/control-plane/protocol';
import type { RedactingTextStream, Redactor } from './redactor';

/** The field of each text-bearing event type whose text may continue in the next event. */
const STREAMED: Partial<Record<EventType, string>> = {
  'assistant.text': 'text',
  'assistant.thinking': 'text',
  'tool.result': 'content',
  log: 'message',
};

/** Held text beyond this is released at once (redacted as if it were final). */
const MAX_HELD_CHARS = 256 * 1024;
const MAX_HELD_EVENTS = 64;

export interface EventRedactorOptions {
  /** Longest a draft is held waiting for the next one (the log streamer's flush window). */
  holdMs: number;
  /** Receives every draft, redacted, in the order pushed. */
  release: (draft: EventDraft) => void;
}

export class EventRedactor {
  private readonly text: RedactingTextStream;
  /** Drafts whose streamed text is held, oldest first. */
  private held: Array<{ draft: EventDraft; field: string }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redactor: Redactor,
    private readonly options: EventRedactorOptions,
  ) {
    this.text = redactor.stream();
  }

  /** Drafts pushed but not yet released. */
  get pending(): number {
    return this.held.length;
  }

  push(draft: EventDraft): void {
    const field = STREAMED[draft.type];
    const data = draft.data as Record<string, unknown>;
    const piece = field === undefined ? undefined : data[field];
    if (field === undefined || typeof piece !== 'string') {
      this.flush();
      this.options.release(clipReason({ ...draft, data: redactData(this.redactor, draft) } as EventDraft));
      return;
    }
    const { [field]: _, ...rest } = data;
    const redacted = { ...draft, data: { ...this.redactor.redactDeep(rest), [field]: piece } } as EventDraft;
    this.held.push({ draft: redacted, field });
    this.deliver(this.text.push(piece));
    if (data.truncated === true) {
      // The rest of this text was dropped by a size cap: what ends it is not continued by the next event.
      this.flush();
    } else if (this.text.pending === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.text.pending >= MAX_HELD_EVENTS || this.text.heldChars >= MAX_HELD_CHARS) {
      this.flush();
    } else {
      this.timer ??= setTimeout(() => this.flush(), this.options.holdMs);
    }
  }

  /** Releases every held draft now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deliver(this.text.finish());
  }

  /** Drops held drafts (the log is closed) and the timer. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = [];
  }

  private deliver(pieces: string[]): void {
    for (const piece of pieces) {
      const next = this.held.shift();
      if (!next) return;
      (next.draft.data as Record<string, unknown>)[next.field] = piece;
      this.options.release(next.draft);
    }
  }
}

/** The draft's data, every string redacted; previews cut to size and status reasons as cut text. */
function redactData(redactor: Redactor, draft: EventDraft): unknown {
  const data = redactCutPreviews(redactor, redactor.redactDeep(draft.data));
  if (draft.type === 'status' && draft.data.reason !== undefined) {
    return { ...(data as object), reason: redactor.redactCut((data as { reason: string }).reason) };
  }
  return data;
}

/** `{ truncated: true, preview }` (a tool input cut to size) anywhere in a redacted copy: its preview as cut text. */
function redactCutPreviews(redactor: Redactor, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => redactCutPreviews(redactor, item));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactCutPreviews(redactor, item);
  if (out.truncated === true && typeof out.preview === 'string') out.preview = redactor.redactCut(out.preview);
  return out;
}

/** A status reason longer after redaction than the protocol allows would make the whole status event invalid. */
function clipReason(draft: EventDraft): EventDraft {
  if (draft.type === 'status' && draft.data.reason !== undefined && draft.data.reason.length > MAX_REASON_CHARS) {
    draft.data.reason = draft.data.reason.slice(0, MAX_REASON_CHARS);
  }
  return draft;
}
