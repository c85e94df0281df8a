// The transcript of an export bundle: the log's events folded into readable steps (each tool call joined with its
// result). Pure; used by export/gather.ts, tested in Node beside it.
import type { EventData, ExecutionEvent, TranscriptEntry } from '../protocol';

type ToolEntry = Extract<TranscriptEntry, { type: 'tool' }>;

/** Folds events (in seq order, page after page) into transcript entries; open calls are remembered by tool-use id,
 * so a result joins its call even when a page boundary falls between them. */
export class TranscriptBuilder {
  readonly entries: TranscriptEntry[] = [];
  private readonly tools = new Map<string, ToolEntry>();
  /** The last `git` event's data (the runner's commit). */
  git: EventData<'git'> | null = null;
  /** The last `result` event's data. */
  result: EventData<'result'> | null = null;

  add(event: ExecutionEvent): void {
    const at = { seq: event.seq, ts: event.ts };
    switch (event.type) {
      case 'assistant.text':
        this.entries.push({ type: 'text', ...at, text: event.data.text });
        return;
      case 'assistant.thinking':
        this.entries.push({ type: 'thinking', ...at, text: event.data.text });
        return;
      case 'tool.call': {
        const entry: ToolEntry = {
          type: 'tool',
          ...at,
          toolUseId: event.data.toolUseId,
          name: event.data.name,
          input: event.data.input,
          result: null,
        };
        this.tools.set(event.data.toolUseId, entry);
        this.entries.push(entry);
        return;
      }
      case 'tool.result': {
        const result = {
          seq: event.seq,
          isError: event.data.isError,
          content: event.data.content,
          truncated: event.data.truncated ?? false,
        };
        const call = this.tools.get(event.data.toolUseId);
        if (call !== undefined && call.result === null) {
          call.result = result;
          this.tools.delete(event.data.toolUseId);
        } else {
          this.entries.push({ type: 'tool', ...at, toolUseId: event.data.toolUseId, name: null, input: null, result });
        }
        return;
      }
      case 'status':
        this.entries.push({ type: 'status', ...at, status: event.data.status, reason: event.data.reason ?? null });
        return;
      case 'approval.requested':
        this.entries.push({
          type: 'approval',
          ...at,
          approvalId: event.data.approvalId,
          status: 'requested',
          tool: event.data.tool,
          summary: event.data.summary,
          message: null,
        });
        return;
      case 'approval.decided':
        this.entries.push({
          type: 'approval',
          ...at,
          approvalId: event.data.approvalId,
          status: event.data.status,
          tool: null,
          summary: null,
          message: event.data.message ?? event.data.reason,
        });
        return;
      case 'budget.alert':
        this.entries.push({ type: 'alert', ...at, ...event.data });
        return;
      case 'log':
        this.entries.push({ type: 'log', ...at, level: event.data.level, message: event.data.message });
        return;
      case 'git':
        this.git = event.data;
        return;
      case 'result':
        this.result = event.data;
        return;
      // Usage is summed in the costs section; init and host snapshots are the runner's facts, not the conversation.
      case 'usage':
      case 'system.init':
      case 'host.snapshot':
        return;
    }
  }
}
