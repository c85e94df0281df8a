// The ExecutionHub's part in reporting back to GitHub: it keeps the runner's latest `git.push` outcome (so the
// report can open the pull request without reading the log) and runs the execution's report (github/report.ts)
// one at a time, in the background once the end is in D1 and again whenever the cron sweep asks.
import type { ExecutionEvent } from '../protocol/events';
import { reportExecution, type GitPushRecord, type ReportOutcome } from '../github/report';
import { Coalesced } from './coalesce';

const SCHEMA = `CREATE TABLE IF NOT EXISTS git_push (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);`;

export class HubReport {
  private ready = false;
  /** The first attempt after the end was started (in memory: the cron sweep covers a restarted hub). */
  private triedAfterEnd = false;
  private readonly task = new Coalesced(async () => {
    const id = this.executionId();
    if (id === null) return;
    try {
      this.lastOutcome = await reportExecution(this.env, id, { gitPush: this.gitPush() });
    } catch (error) {
      console.error(`ExecutionHub ${id}: the report failed; the cron sweep tries again`, error);
      this.lastOutcome = 'retry-later';
    }
  });
  private lastOutcome: ReportOutcome | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
    private readonly executionId: () => string | null,
  ) {}

  /** Keeps the last `git.push` of the batch; call inside the hub's storage transaction. */
  record(events: readonly ExecutionEvent[]): void {
    let latest: GitPushRecord | null = null;
    for (const event of events) if (event.type === 'git.push') latest = event.data;
    if (latest === null) return;
    this.schema();
    this.sql.exec('INSERT OR REPLACE INTO git_push (id, data) VALUES (1, ?)', JSON.stringify(latest));
  }

  gitPush(): GitPushRecord | null {
    this.schema();
    const row = this.sql.exec<{ data: string }>('SELECT data FROM git_push WHERE id = 1').toArray()[0];
    return row === undefined ? null : (JSON.parse(row.data) as GitPushRecord);
  }

  /** Once per hub life, after D1 has the end: the report's first attempt, not awaited by the caller. */
  afterEnd(waitUntil: (promise: Promise<unknown>) => void): void {
    if (this.triedAfterEnd) return;
    this.triedAfterEnd = true;
    waitUntil(this.run());
  }

  /** Runs the report (joining one in flight); what it came to. */
  async run(): Promise<ReportOutcome | null> {
    await this.task.run();
    return this.lastOutcome;
  }

  private schema(): void {
    if (this.ready) return;
    this.sql.exec(SCHEMA);
    this.ready = true;
  }
}
