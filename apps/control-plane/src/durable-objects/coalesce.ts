// Runs an async task one at a time, coalescing calls made meanwhile into one more run; the ExecutionHub's D1 sync
// and the Fleet's dispatch use it so concurrent triggers never interleave and none is lost.
export class Coalesced {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly task: () => Promise<void>) {}

  /** Resolves once a run that started after this call has finished. */
  run(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.task();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
