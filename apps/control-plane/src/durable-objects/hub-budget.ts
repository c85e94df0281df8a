// The ExecutionHub's side of budgets: prices a batch's usage events before they are stored, charges every increment
// to every scope of the execution (persisted first, retried until each guard accepts), releases the scopes when
// the execution ends, and answers the runner's per-call permits. Used by execution-hub.ts.
import { createDb } from '../db/client';
import { getBudgetFacts } from '../db/queries/lifecycle';
import { formatUsd } from '../domain/budget';
import { scopesOf } from '../domain/budget-scopes';
import { account, chargedUsd } from '../domain/cost-ledger';
import { guardOf } from '../lib/stubs';
import type { CancelReason } from '../protocol/common';
import type { HubToRunner, HubToViewer } from '../protocol/frames';
import { Coalesced } from './coalesce';
import type { BudgetAlert, BudgetFacts, HubBudgetStore, HubBudgetState } from './hub-budget-store';
import type { LogItem } from './hub-log';

/** What a batch changes: its usage events as they are to be stored, and the writes for its transaction. */
export interface BudgetBatch {
  readonly replaced: ReadonlyMap<number, LogItem>;
  readonly state: HubBudgetState;
  /** How many charges it adds. */
  readonly charges: number;
  /** Runs inside the batch's storage transaction. */
  readonly write: () => void;
}

/** `pause`: a budget in pause mode refused it: the execution pauses and the permit waits for the resume. */
export type PermitAnswer = { allowed: true } | { allowed: false; reason: string; cancel: boolean; pause?: boolean };

export interface HubBudgetHooks {
  executionId(): string | null;
  /** The log is closed: the execution has ended. */
  closed(): boolean;
  /** A cancel the hub holds, if any. */
  cancelRequested(): CancelReason | null;
  /** The hub's cancel with reason `budget` (idempotent). */
  cancelForBudget(): Promise<void>;
  /** The hub's pause with reason `budget`; true when it holds the permit `requestId` for the resume. */
  pauseForBudget(message: string, requestId: string | null): Promise<boolean>;
  toRunners(frame: HubToRunner): void;
  toViewers(frame: HubToViewer): void;
  /** Something failed: try again from the alarm. */
  retryLater(): Promise<void>;
}

/** A spend within this of the cap counts as reaching it (float sums drift). */
const CAP_EPSILON_USD = 1e-9;
/** A permit whose checks failed (a guard out of reach) is tried again after these waits, then refused. */
const PERMIT_RETRY_MS = [200, 1_000];

export class HubBudget {
  private current: HubBudgetState;
  /** Whether the charges table holds anything, kept in memory so a batch without usage costs no query. */
  private chargesPending: boolean;
  private readonly settleTask = new Coalesced(() => this.settleOnce());

  constructor(
    private readonly env: Env,
    private readonly store: HubBudgetStore,
    private readonly hooks: HubBudgetHooks,
  ) {
    this.current = store.load();
    this.chargesPending = store.hasCharges();
  }

  get state(): HubBudgetState {
    return this.current;
  }

  /** Prices the newly stored events' usage (nothing else is re-serialised) and notes the alerts the runner recorded;
   * null when the batch touches neither. Adopt the state only once the batch's transaction has committed. */
  plan(items: readonly LogItem[], executionId: string): BudgetBatch | null {
    const recorded: string[] = [];
    let costs = false;
    for (const { event } of items) {
      if (event.type === 'usage' || event.type === 'result') costs = true;
      else if (event.type === 'budget.alert') recorded.push(event.data.alertId);
    }
    if (!costs && recorded.length === 0) return null;
    const events = items.map((item) => item.event);
    const accounted = costs ? account(this.current.ledger, events, executionId) : null;
    const replaced = new Map<number, LogItem>();
    for (const [seq, event] of accounted?.priced ?? []) replaced.set(seq, { seq, event, json: JSON.stringify(event) });
    const state = accounted === null ? this.current : { ...this.current, ledger: accounted.ledger };
    return {
      replaced,
      state,
      charges: accounted?.charges.length ?? 0,
      write: () => {
        if (accounted !== null) {
          this.store.writeState(state);
          this.store.addCharges(accounted.charges);
        }
        if (recorded.length > 0) this.store.markRecorded(recorded);
      },
    };
  }

  adopt(batch: BudgetBatch): void {
    this.current = batch.state;
    if (batch.charges > 0) this.chargesPending = true;
  }

  update(change: Partial<HubBudgetState>): void {
    this.current = { ...this.current, ...change };
    this.store.writeState(this.current);
  }

  /** The execution's own cap, when its spend has reached it and nothing was done about it yet. */
  capBreach(): { spentUsd: number; limitUsd: number } | null {
    const { facts, capReached, ledger } = this.current;
    if (capReached || facts?.maxBudgetUsd == null) return null;
    const spentUsd = chargedUsd(ledger);
    return spentUsd >= facts.maxBudgetUsd - CAP_EPSILON_USD ? { spentUsd, limitUsd: facts.maxBudgetUsd } : null;
  }

  needsSettling(): boolean {
    return this.chargesPending || (this.hooks.closed() && !this.current.released);
  }

  /** Delivers pending charges to every scope, then (once the execution has ended) releases them. One run at a
   * time; failures are retried from the alarm. */
  settle(): Promise<void> {
    return this.settleTask.run();
  }

  /** The facts that name the execution's scopes, read from D1 the first time. */
  async facts(): Promise<BudgetFacts> {
    if (this.current.facts !== null) return this.current.facts;
    const id = this.hooks.executionId();
    if (id === null) throw new Error('the hub does not know its execution yet');
    const row = await getBudgetFacts(createDb(this.env.DB), id);
    if (row === null) throw new Error(`execution ${id} is not in D1`);
    // Read again: a concurrent read may have stored them meanwhile.
    if (this.current.facts === null) this.update({ facts: row });
    return this.current.facts ?? row;
  }

  /** facts(), with a failure logged instead of thrown (it is tried again when next needed). */
  async tryFacts(): Promise<BudgetFacts | null> {
    try {
      return await this.facts();
    } catch (err) {
      console.error(`ExecutionHub ${this.hooks.executionId()}: reading budget facts failed`, err);
      return null;
    }
  }

  /**
   * A budget alert for this execution (from a BudgetGuard, or its own cap): viewers see it now; the runner records
   * it as a `budget.alert` event, and is sent it again on every (re)connect until that event is stored. Idempotent
   * per alertId.
   */
  alert(alert: BudgetAlert): void {
    if (!this.store.addAlert(alert, this.hooks.closed())) return;
    if (alert.level === 'hard' && this.current.cancelNote === null) this.update({ cancelNote: alertText(alert) });
    if (!this.hooks.closed()) this.hooks.toRunners({ type: 'exec.alert', alert });
    this.hooks.toViewers({ type: 'alert', alert });
  }

  /** The execution's own maxBudgetUsd: once its spend reaches it, a hard alert and a `budget` cancel, once. */
  async enforceCap(): Promise<void> {
    if (this.hooks.executionId() === null || this.hooks.closed()) return;
    // Read at the runner's first connection; this catches a D1 read that failed then.
    if (this.current.facts === null && this.current.ledger.liveUsd > 0) await this.tryFacts();
    const cap = this.capBreach();
    if (cap === null) return;
    this.update({ capReached: true });
    this.alert({ scope: 'execution', level: 'hard', ...cap, alertId: 'execution:hard' });
    await this.hooks.cancelForBudget();
  }

  /** Answers a runner's exec.permit (on every runner socket: a reconnect may have replaced the asking one); a
   * refusal for budget reasons also cancels the execution. */
  async answerPermit(requestId: string): Promise<void> {
    await this.enforceCap();
    const answer = await this.permit();
    if (!answer.allowed && answer.pause === true && (await this.hooks.pauseForBudget(answer.reason, requestId))) return;
    const reason = answer.allowed ? null : answer.reason;
    this.hooks.toRunners({ type: 'exec.permit.result', requestId, allowed: answer.allowed, reason });
    if (!answer.allowed && answer.cancel) {
      if (this.current.cancelNote === null) this.update({ cancelNote: answer.reason });
      await this.hooks.cancelForBudget();
    }
  }

  unrecordedAlerts(): BudgetAlert[] {
    return this.hooks.closed() ? [] : this.store.unrecordedAlerts();
  }

  /**
   * May the execution's next model call start? Its own cap, then every scope's guard, after the charges for the
   * usage stored so far have reached them (a guard serialises charges and permits, which is what bounds the
   * overspend). A refusal for budget reasons asks for the execution to be cancelled; a check that cannot be made
   * (a guard out of reach) is refused without that, after a few tries.
   */
  async permit(): Promise<PermitAnswer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.permitOnce();
      } catch (err) {
        console.error(`ExecutionHub ${this.hooks.executionId()}: permit check failed`, err);
        const wait = PERMIT_RETRY_MS[attempt];
        if (wait === undefined) {
          return { allowed: false, reason: 'the budgets could not be checked; try again later', cancel: false };
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private async permitOnce(): Promise<PermitAnswer> {
    const id = this.hooks.executionId();
    const cancel = this.hooks.cancelRequested();
    if (id === null) throw new Error('the hub does not know its execution yet');
    if (this.hooks.closed()) return { allowed: false, reason: 'the execution has ended', cancel: false };
    if (cancel !== null) {
      const note = cancel === 'budget' ? this.current.cancelNote : null;
      return { allowed: false, reason: note ?? `the execution is being cancelled (${cancel})`, cancel: false };
    }
    const facts = await this.facts();
    const spentUsd = chargedUsd(this.current.ledger);
    if (facts.maxBudgetUsd !== null && spentUsd >= facts.maxBudgetUsd - CAP_EPSILON_USD) {
      return { allowed: false, reason: capReason(spentUsd, facts.maxBudgetUsd), cancel: true };
    }
    await this.settle();
    if (this.chargesPending) throw new Error('charges are still waiting for a guard');
    const scopes = scopesOf(facts);
    const decisions = await Promise.all(scopes.map((scope) => guardOf(this.env, scope).permit(scope, id)));
    for (const decision of decisions) {
      if (!decision.ok && decision.pause === true)
        return { allowed: false, reason: decision.reason, cancel: false, pause: true };
      if (!decision.ok) return { allowed: false, reason: decision.reason, cancel: true };
    }
    return { allowed: true };
  }

  private async settleOnce(): Promise<void> {
    const id = this.hooks.executionId();
    if (id === null || !this.needsSettling()) return;
    try {
      const scopes = scopesOf(await this.facts());
      for (const charge of this.store.charges()) {
        await Promise.all(
          scopes.map((scope) => guardOf(this.env, scope).charge(scope, id, charge.chargeId, charge.amountUsd)),
        );
        this.store.deleteCharge(charge.chargeId);
      }
      this.chargesPending = this.store.hasCharges();
      if (this.hooks.closed() && !this.current.released) {
        await Promise.all(scopes.map((scope) => guardOf(this.env, scope).release(scope, id)));
        this.update({ released: true });
      }
    } catch (err) {
      console.error(`ExecutionHub ${id}: charging or releasing budgets failed, retrying`, err);
      await this.hooks.retryLater();
    }
  }
}

/** Why the execution's own cap stops it, in the words a person reads in its status. */
const capReason = (spentUsd: number, limitUsd: number): string =>
  `execution budget: maxBudgetUsd ${formatUsd(limitUsd)} reached (${formatUsd(spentUsd)} spent)`;

/** What an alert says, in the words a cancelled execution's status reason uses. */
function alertText(alert: BudgetAlert): string {
  if (alert.scope === 'execution') return capReason(alert.spentUsd, alert.limitUsd);
  const { scope, level, limitUsd, spentUsd } = alert;
  return `budget ${scope}: ${level} limit ${formatUsd(limitUsd)} reached (${formatUsd(spentUsd)} spent)`;
}
