// Budget admission for the Fleet's dispatch: before a queued or blocked execution is claimed, every scope it falls
// in (BudgetGuard.admit) must have room for its reservation (its maxBudgetUsd, or 0). One Admission lives for one
// dispatch round and remembers the refusals it saw, so a queue with many blocked executions costs few guard calls.
import { scopesOf } from '../domain/budget-scopes';
import { guardOf } from '../lib/stubs';
import type { BudgetScope } from '../protocol/common';

export interface Admissible {
  readonly id: string;
  readonly agent: string;
  readonly labels: readonly string[];
  readonly maxBudgetUsd: number | null;
}

/** `retry`: a guard could not be asked; the execution stays as it is and is tried again next round. */
type Refusal = { ok: false; reason: string; retry: boolean };
export type AdmissionResult = { ok: true; scopes: BudgetScope[] } | Refusal;

export class Admission {
  /** Per scope, the smallest reservation it refused this round, and why: any reservation as large is refused too. */
  private readonly refused = new Map<BudgetScope, { reservationUsd: number; reason: string }>();

  constructor(private readonly env: Env) {}

  /** Admits the execution in every scope, or in none: scopes that said yes are released after any refusal. */
  async admit(job: Admissible): Promise<AdmissionResult> {
    const scopes = scopesOf(job);
    const reservationUsd = job.maxBudgetUsd ?? 0;
    for (const scope of scopes) {
      const known = this.refused.get(scope);
      if (known !== undefined && known.reservationUsd <= reservationUsd) {
        return { ok: false, reason: known.reason, retry: false };
      }
    }
    const answers = await Promise.allSettled(
      scopes.map((scope) => guardOf(this.env, scope).admit(scope, job.id, reservationUsd)),
    );
    let refusal: Refusal | null = null;
    const admitted: BudgetScope[] = [];
    for (const [i, answer] of answers.entries()) {
      const scope = scopes[i]!;
      if (answer.status === 'rejected') {
        console.error(`Fleet: admitting ${job.id} in ${scope} failed`, answer.reason);
        refusal ??= { ok: false, reason: `budget ${scope} could not be checked`, retry: true };
      } else if (answer.value.ok) {
        admitted.push(scope);
      } else {
        const { reason } = answer.value;
        const known = this.refused.get(scope);
        if (known === undefined || reservationUsd < known.reservationUsd) {
          this.refused.set(scope, { reservationUsd, reason });
        }
        // The first refusal in scope order names the budget, whatever order the answers came in.
        if (refusal === null || refusal.retry) refusal = { ok: false, reason, retry: false };
      }
    }
    if (refusal === null) return { ok: true, scopes };
    await this.release(job.id, admitted);
    return refusal;
  }

  /** Gives back what an admission holds (a claim that failed, a refusal elsewhere). A release that fails leaves the
   * execution active in that scope until it ends, when its hub releases every scope (and guards release executions
   * D1 says have ended). */
  async release(executionId: string, scopes: readonly BudgetScope[]): Promise<void> {
    const results = await Promise.allSettled(
      scopes.map((scope) => guardOf(this.env, scope).release(scope, executionId)),
    );
    for (const result of results) {
      if (result.status === 'rejected') console.error(`Fleet: releasing ${executionId} failed`, result.reason);
    }
  }
}
