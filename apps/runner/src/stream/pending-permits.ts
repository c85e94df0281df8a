// The model-call permits one execution's log streamer has asked the hub for and not yet had answered: each waits for
// the exec.permit.result with its requestId, is asked again after every reconnect, and is refused when the log ends.
import { randomUUID } from 'node:crypto';
import type { PermitAnswer } from '../proxy/model-proxy';

export class PendingPermits {
  private readonly waiting = new Map<string, (answer: PermitAnswer) => void>();

  /** A new question with a fresh requestId; `signal` abandons it (refused locally, forgotten). */
  add(signal?: AbortSignal): { requestId: string; answer: Promise<PermitAnswer> } {
    const requestId = randomUUID();
    const answer = new Promise<PermitAnswer>((resolve) => {
      const onAbort = () => this.settle(requestId, { allowed: false, reason: 'the model call was abandoned' });
      this.waiting.set(requestId, (result) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    return { requestId, answer };
  }

  /** Every requestId still waiting, oldest first. */
  ids(): string[] {
    return [...this.waiting.keys()];
  }

  /** Answers one question; a repeated or unknown requestId (a duplicate answer) is ignored. */
  settle(requestId: string, answer: PermitAnswer): void {
    const resolve = this.waiting.get(requestId);
    if (!resolve) return;
    this.waiting.delete(requestId);
    resolve(answer);
  }

  refuseAll(reason: string): void {
    for (const requestId of this.ids()) this.settle(requestId, { allowed: false, reason });
  }
}
