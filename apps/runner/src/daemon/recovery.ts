// What a restarted runner does about the executions its previous life was running (used by the daemon at start):
// kills the Claude Code processes left behind (run-records.ts), replays each spool to its hub, and closes the
// execution with a final `failed` status, unless the spool already ends in a final status or the hub has closed the
// log (then the spool is dropped). Until they are closed their leases are renewed with the runner's running jobs.
import { ExecutionId, type EventDraft, type ExecutionStatus } from '@claudeops/control-plane/protocol';
import type { StreamHandlers } from '../stream/log-streamer';
import { createLogger, errorMessage, type Logger } from '../support/logger';
import { reapRun, type RunRecords } from './run-records';
import { Spool } from '../stream/spool';

export const RESTART_REASON = 'the runner restarted; Claude Code was stopped';
const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'cancelled', 'lost']);

/** What the recovery needs of a log streamer. */
export interface RecoveredStream {
  start(): void;
  emit(draft: EventDraft): number | null;
  drained(): Promise<void>;
  stop(): void;
}

export interface RecoveryOptions {
  records: RunRecords;
  /** Root of the spools (<stateDir>/spool). */
  spoolRoot: string;
  /** A log streamer for the execution, on its recovered spool. */
  openStream(executionId: string, spool: Spool, handlers: StreamHandlers): RecoveredStream;
  log?: Logger;
}

export class Recovery {
  private readonly active = new Map<string, RecoveredStream>();
  /** Wakes the recoveries waiting for a welcome, on stop(). */
  private readonly waiting = new Set<() => void>();
  private readonly finished: Promise<void>;
  private stopped = false;
  private readonly log: Logger;

  private constructor(
    private readonly options: RecoveryOptions,
    executionIds: string[],
  ) {
    this.log = options.log ?? createLogger('recovery');
    this.finished = Promise.all(executionIds.map((id) => this.recover(id))).then(() => undefined);
  }

  /** Reaps every orphan first (they may still be spending), then replays and closes in the background. */
  static async start(options: RecoveryOptions): Promise<Recovery> {
    const log = options.log ?? createLogger('recovery');
    const records = await options.records.list();
    for (const record of records) {
      try {
        const killed = await reapRun(record);
        if (killed > 0) log.warn('killed Claude Code processes a previous runner left', { ...record, killed });
      } catch (error) {
        log.error('could not reap a previous run', { executionId: record.executionId, error: errorMessage(error) });
      }
    }
    const ids = new Set([...records.map((r) => r.executionId), ...Spool.list(options.spoolRoot)]);
    const valid = [...ids].filter((id) => ExecutionId.safeParse(id).success);
    if (valid.length > 0) log.info('closing executions of a previous runner', { executions: valid.join(',') });
    return new Recovery(options, valid);
  }

  /** Executions still being replayed and closed (their leases must be renewed meanwhile). */
  running(): string[] {
    return [...this.active.keys()];
  }

  /** Resolves when every recovered execution is closed (or stop() was called). */
  done(): Promise<void> {
    return this.finished;
  }

  /** Stops replaying; what is not acked stays in the spools and the run records stay, for the next start. */
  stop(): void {
    this.stopped = true;
    for (const stream of this.active.values()) stream.stop();
    for (const wake of this.waiting) wake();
  }

  private async recover(executionId: string): Promise<void> {
    let spool: Spool;
    let ended: boolean;
    try {
      spool = Spool.open(this.options.spoolRoot, executionId);
      const last = spool.lastEvent();
      ended = last?.type === 'status' && TERMINAL.has(last.data.status);
    } catch (error) {
      this.log.error('cannot read the spool; leaving it', { executionId, error: errorMessage(error) });
      return;
    }
    let closed = false;
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.waiting.add(settle);
    const stream = this.options.openStream(executionId, spool, {
      // Nothing runs any more: a cancel changes nothing, and the final status follows anyway.
      onCancel: () => undefined,
      onClosed: (info) => {
        closed = true;
        this.log.info('the hub had closed the log; dropped the spool', { executionId, status: info.status });
        settle();
      },
      onWelcome: () => {
        // Only once welcomed: the final status must follow everything the hub already stored.
        if (!ended) {
          ended = true;
          stream.emit({
            type: 'status',
            ts: new Date().toISOString(),
            data: { status: 'failed', reason: RESTART_REASON },
          });
        }
        settle();
      },
    });
    this.active.set(executionId, stream);
    stream.start();
    await settled;
    this.waiting.delete(settle);
    if (!closed && !this.stopped) await stream.drained();
    this.active.delete(executionId);
    if (this.stopped) return;
    stream.stop();
    this.options.records.end(executionId);
    if (!closed) this.log.info('closed an execution of a previous runner', { executionId });
  }
}
