// What `run -f` and `logs -f` show while following: events on stdout (rendered, or NDJSON with --json) and a status
// line on stderr, redrawn in place only when stderr is a terminal, else printed once per change of state.
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { statusLine, type FollowState } from './follow-state';
import type { Output } from './output';
import { renderEvent } from './render-events';

const CLEAR_LINE = '\r\x1b[2K';

export class LiveView {
  private shown = '';
  private lastPrinted = '';
  private readonly inPlace: boolean;

  constructor(
    private readonly output: Output,
    private readonly options: { json: boolean; statusLine: boolean },
  ) {
    this.inPlace = options.statusLine && output.err.isTTY === true;
  }

  events(events: readonly ExecutionEvent[]): void {
    let text = '';
    if (this.options.json) {
      for (const event of events) text += JSON.stringify(event) + '\n';
    } else {
      for (const event of events) for (const line of renderEvent(event, this.output.paint)) text += line + '\n';
    }
    if (text === '') return;
    this.clear();
    this.output.out.write(text);
    this.redraw();
  }

  update(state: FollowState): void {
    if (!this.options.statusLine) return;
    const line = statusLine(state);
    if (this.inPlace) {
      this.shown = line;
      this.redraw();
      return;
    }
    // Off a terminal: one line when the state (not the cost) changes, so logs stay short.
    const key = `${state.executionId} ${state.status} ${state.pending.size}`;
    if (key !== this.lastPrinted) {
      this.lastPrinted = key;
      this.output.note(this.output.paintErr('dim', line));
    }
  }

  notice(message: string): void {
    this.clear();
    this.output.note(message);
    this.redraw();
  }

  /** Leaves the final status line (once) and stops redrawing. */
  end(state: FollowState): void {
    this.clear();
    this.shown = '';
    if (this.options.statusLine) this.output.note(this.output.paintErr('bold', statusLine(state)));
  }

  private clear(): void {
    if (this.inPlace && this.shown !== '') this.output.err.write(CLEAR_LINE);
  }

  private redraw(): void {
    if (this.inPlace && this.shown !== '') this.output.err.write(CLEAR_LINE + this.shown);
  }
}
