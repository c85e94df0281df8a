// The ExecutionHub's one alarm, shared by D1 and guard retries and approval expiries: moved earlier, never later.
// Used by execution-hub.ts.
export class HubAlarm {
  /** While the alarm handler runs: when it started (the alarm being handled is due no later than this). */
  private handlingSince: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Makes sure the alarm fires at `at` or sooner. */
  async by(at: number): Promise<void> {
    const current = await this.storage.getAlarm();
    // Inside the handler, the alarm being handled may still read back; it will not fire again.
    const live = current !== null && (this.handlingSince === null || current > this.handlingSince);
    if (!live || current > at) await this.storage.setAlarm(at);
  }

  /** Runs the alarm handler's work, so that alarms it sets meanwhile are not mistaken for the one being handled. */
  async handle(work: () => Promise<void>): Promise<void> {
    this.handlingSince = Date.now();
    try {
      await work();
    } finally {
      this.handlingSince = null;
    }
  }
}
