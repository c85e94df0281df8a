// BudgetGuard Durable Object, one per budget scope (`idFromName(scope)`): the period's spend, admission with
// reservations, per-call permits, idempotent charges, alerts and cancels on crossings, the reset at the period
// boundary. Calls into one guard are serialised and every decision is made before the first await, so executions
// racing for the last dollars see each other's charges. Thin: the math lives in domain/budget.
import { DurableObject } from 'cloudflare:workers';
import { createDb } from '../db/client';
import { deleteBudget, endedExecutions, upsertBudget } from '../db/queries/budgets';
import { scopeSpend } from '../db/queries/costs';
import {
  admissionOf,
  crossingsOf,
  hasMoreRoom,
  periodEndOf,
  periodStartOf,
  permitOf,
  remainingOf,
  reservationAfter,
  stateOf,
  type Decision,
  type Standing,
} from '../domain/budget';
import { fleetOf, hubOf } from '../lib/stubs';

/** The one hub call the guard makes besides its notices (typed here so the guard depends on it alone). */
type BudgetResumable = { resume(executionId: string, only: 'budget'): Promise<unknown> };
import { toIso, toIsoOrNull } from '../lib/time';
import type { Budget } from '../protocol/api';
import { BudgetScope, type BudgetPeriod, type OnHardLimit } from '../protocol/common';
import { notify } from '../notify/push';
import { deliverNotices, FIRST_RETRY_MS } from './budget-notices';
import { BudgetPushes } from './budget-push';
import { BudgetStore, type GuardConfig, type Notice } from './budget-store';
import { Coalesced } from './coalesce';

export type BudgetLimits = {
  period: BudgetPeriod;
  softLimitUsd: number | null;
  hardLimitUsd: number | null;
  /** Absent: as it was (`cancel` for a new budget). */
  onHardLimit?: OnHardLimit;
};

/** How often the alarm prunes old charge ids and releases executions that ended without telling the guard. */
const HOUSEKEEPING_MS = 60 * 60 * 1000;
/** Charge ids and released executions are kept this long (a resent charge is recognised within it). */
const RETAIN_MS = 2 * 24 * 60 * 60 * 1000;

const OK: Decision = { ok: true };

export class BudgetGuard extends DurableObject<Env> {
  private readonly store: BudgetStore;
  private readonly pushes: BudgetPushes;
  private readonly deliverTask = new Coalesced(() => this.deliver());
  /** The alarm is the retry: it tries every undelivered notice, not only those whose backoff has passed. */
  private retryAll = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new BudgetStore(ctx.storage.sql);
    this.pushes = new BudgetPushes(ctx.storage.sql);
  }

  /** Sets the period and limits. The first call (or a new period kind) seeds the spend from D1's cost rows. */
  async configure(scope: string, limits: BudgetLimits): Promise<Budget> {
    const now = Date.now();
    const current = this.open(scope, now);
    const before = current === null ? null : this.standing(current);
    const periodStart = periodStartOf(limits.period, now);
    let spentUsd = current?.spentUsd ?? 0;
    if (current === null || current.period !== limits.period) {
      spentUsd = await scopeSpend(createDb(this.env.DB), scope, periodStart, periodEndOf(limits.period, periodStart));
    }
    // Read again: a charge may have landed while the seed was read.
    const latest = this.store.config();
    if (latest !== null && latest.period === limits.period) spentUsd = latest.spentUsd;
    const { onHardLimit, ...amounts } = limits;
    if (onHardLimit !== undefined) this.store.setOnHardLimit(onHardLimit);
    const mode = this.store.onHardLimit();
    this.store.putConfig({
      scope,
      ...amounts,
      periodStart,
      spentUsd,
      dispatchAt: latest?.dispatchAt ?? null,
      housekeptAt: latest?.housekeptAt ?? now,
      createdAt: latest?.createdAt ?? now,
      updatedAt: now,
    });
    await upsertBudget(createDb(this.env.DB), { scope, ...amounts, onHardLimit: mode }, now);
    await this.settle(before, now);
    // Room again (a raised limit, or cancel mode chosen): executions this budget paused go on.
    if (mode === 'cancel' || permitOf(this.standing(this.store.config()!)).ok) this.resumePaused(scope);
    return (await this.view(scope))!;
  }

  /** Forgets the budget: the scope is unlimited again (which may make room for blocked executions). */
  async remove(scope: string): Promise<void> {
    this.open(scope, Date.now());
    this.store.clear();
    await this.ctx.storage.deleteAlarm();
    await deleteBudget(createDb(this.env.DB), scope);
    try {
      await fleetOf(this.env).dispatch();
    } catch (err) {
      // Nothing is left here to retry it; the Fleet's cron sweep dispatches within a minute.
      console.error(`BudgetGuard ${scope}: dispatch after removal failed`, err);
    }
  }

  async view(scope: string): Promise<Budget | null> {
    const config = await this.openSettled(scope);
    if (config === null) return null;
    const { count } = this.store.active();
    return {
      scope: config.scope,
      period: config.period,
      softLimitUsd: config.softLimitUsd,
      hardLimitUsd: config.hardLimitUsd,
      spentUsd: config.spentUsd,
      remainingUsd: remainingOf(config.spentUsd, config.hardLimitUsd),
      periodStart: toIso(config.periodStart),
      periodEnd: toIsoOrNull(periodEndOf(config.period, config.periodStart)),
      state: stateOf(config.spentUsd, config),
      activeExecutions: count,
      onHardLimit: this.store.onHardLimit(),
    };
  }

  /** May the execution start, holding back `reservationUsd`? Idempotent per execution: an active one is ok. */
  async admit(scope: string, executionId: string, reservationUsd: number): Promise<Decision> {
    assertUsd(reservationUsd, 'reservationUsd', 0);
    const now = Date.now();
    const config = this.open(scope, now);
    if (config === null) return OK;
    if (this.store.execution(executionId)?.releasedAt === null) return OK;
    const decision = admissionOf(this.standing(config), reservationUsd);
    if (decision.ok) this.store.activate(executionId, reservationUsd);
    await this.settle(null, now);
    return decision;
  }

  /** May a model call start? Refused once the hard limit is reached. */
  async permit(scope: string, executionId: string): Promise<Decision> {
    // Every execution of the scope gets the same answer: the one limit is whether the hard limit is reached.
    const config = await this.openSettled(scope);
    if (config === null) return OK;
    const decision = permitOf(this.standing(config));
    if (decision.ok || this.store.onHardLimit() === 'cancel') return decision;
    // Paused by this budget: tracked, so that room appearing resumes it (one that started before the budget existed
    // and has not been charged yet is seen first here).
    if (this.store.execution(executionId) === null) this.store.activate(executionId, 0);
    return { ...decision, pause: true };
  }

  /** Adds a cost increment (negative for a reconciliation); a repeated chargeId is ignored. */
  async charge(scope: string, executionId: string, chargeId: string, amountUsd: number): Promise<void> {
    assertUsd(amountUsd, 'amountUsd');
    const now = Date.now();
    const config = this.open(scope, now);
    if (config === null || !this.store.addCharge(chargeId, executionId, amountUsd, now)) return;
    const before = this.standing(config);
    this.store.addSpent(amountUsd);
    const tracked = this.store.execution(executionId);
    // An execution that started before the budget existed is seen first here: it is active from now on.
    if (tracked === null) this.store.activate(executionId, 0);
    else if (tracked.releasedAt === null) {
      this.store.setReservation(executionId, reservationAfter(tracked.reservationUsd, amountUsd));
    }
    await this.settle(before, now);
  }

  /** The execution ended: no longer active, its reservation freed. Idempotent. */
  async release(scope: string, executionId: string): Promise<void> {
    const now = Date.now();
    const config = this.open(scope, now);
    if (config === null) return;
    const before = this.standing(config);
    if (this.store.execution(executionId)?.releasedAt != null) return;
    this.store.release(executionId, now);
    await this.settle(before, now);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const config = this.store.config();
    if (config === null) return;
    this.rollover(config, now);
    if (now >= config.housekeptAt + HOUSEKEEPING_MS) await this.housekeep(config.scope, now);
    this.retryAll = true;
    await this.deliverTask.run();
  }

  /** The budget, rolled over to the current period; null when the scope has none. */
  private open(scope: string, now: number): GuardConfig | null {
    if (!BudgetScope.safeParse(scope).success) throw new TypeError(`not a budget scope: ${scope}`);
    const config = this.store.config();
    if (config === null) return null;
    if (config.scope !== scope) throw new Error(`BudgetGuard ${config.scope} was called as ${scope}`);
    this.rollover(config, now);
    return this.store.config();
  }

  /** `open`, then the work a period rollover leaves (a dispatch), for the calls that change nothing else. */
  private async openSettled(scope: string): Promise<GuardConfig | null> {
    const now = Date.now();
    const config = this.open(scope, now);
    if (config !== null && config.dispatchAt !== null) await this.settle(null, now);
    return config;
  }

  /** A new period when the boundary has passed (whether or not the alarm has fired yet). */
  private rollover(config: GuardConfig, now: number): void {
    const start = periodStartOf(config.period, now);
    if (start > config.periodStart) this.store.startPeriod(start, now);
  }

  private standing(config: GuardConfig): Standing {
    const { reservedUsd } = this.store.active();
    return { ...config, reservedUsd };
  }

  /** After a change: owe notices for the limits reached, owe a dispatch if room appeared, start delivering, and
   * keep the alarm at the next thing due. */
  private async settle(before: Standing | null, now: number): Promise<void> {
    const config = this.store.config();
    if (config === null) return;
    let owed = 0;
    const crossings = crossingsOf(config.scope, config.periodStart, config.spentUsd, config);
    for (const crossing of crossings) owed += this.store.owe(crossing, config.spentUsd, now + FIRST_RETRY_MS);
    // Once per limit reached, to subscribed phones, whether or not an execution is running to be told.
    for (const payload of this.pushes.due(config.scope, config.periodStart, crossings, config.spentUsd)) {
      this.ctx.waitUntil(notify(this.env, payload));
    }
    if (before !== null && hasMoreRoom(before, this.standing(config))) this.store.setDispatchAt(now);
    await this.scheduleAlarm(now);
    if (owed > 0 || this.store.config()?.dispatchAt != null) {
      // Not awaited: the caller (a hub charging, the Fleet admitting) must not wait on calls back into hubs.
      this.ctx.waitUntil(
        this.deliverTask
          .run()
          .catch((err: unknown) => console.error(`BudgetGuard ${config.scope}: delivery failed`, err)),
      );
    }
  }

  /** Sends what is owed: notices to hubs (all executions at once), then the Fleet dispatch. */
  private async deliver(): Promise<void> {
    const now = Date.now();
    const horizon = this.retryAll ? Number.MAX_SAFE_INTEGER : now;
    this.retryAll = false;
    const byExecution = new Map<string, Notice[]>();
    for (const notice of this.store.dueNotices(horizon)) {
      byExecution.set(notice.executionId, [...(byExecution.get(notice.executionId) ?? []), notice]);
    }
    const config = this.store.config();
    if (config === null) return;
    // Every execution at once: a hard limit stops them all together.
    await Promise.all(
      [...byExecution.values()].map((notices) =>
        deliverNotices(this.env, this.store, config.scope, notices, now, this.store.onHardLimit()),
      ),
    );
    if (this.store.config()?.dispatchAt != null) {
      // Cleared first: room that appears while the call is out owes another dispatch, which this would overwrite.
      this.store.setDispatchAt(null);
      try {
        await fleetOf(this.env).dispatch();
      } catch (err) {
        console.error(`BudgetGuard ${config.scope}: dispatch failed, retrying`, err);
        this.store.setDispatchAt(now + FIRST_RETRY_MS);
      }
    }
    await this.scheduleAlarm(Date.now());
  }

  /** Asks the hubs of the scope's active executions to end a pause this budget made (each checks its other
   * budgets again before its next model call); in the background, errors logged: a person can still resume. */
  private resumePaused(scope: string): void {
    const ids = this.store.activeIds();
    const resume = async (id: string) => {
      try {
        await (hubOf(this.env, id) as unknown as BudgetResumable).resume(id, 'budget');
      } catch (err) {
        console.error(`BudgetGuard ${scope}: resuming ${id} failed`, err);
      }
    };
    this.ctx.waitUntil(Promise.all(ids.map(resume)));
  }

  /** Prunes old charge ids, and releases executions D1 says have ended (a release that never arrived). Marked
   * done first, so a D1 outage waits for the next round instead of firing the alarm again at once. */
  private async housekeep(scope: string, now: number): Promise<void> {
    this.store.prune(now - RETAIN_MS, now);
    const config = this.store.config();
    if (config !== null) this.pushes.prune(config.periodStart);
    try {
      const ended = await endedExecutions(createDb(this.env.DB), this.store.activeIds());
      for (const id of ended) this.store.release(id, now);
      if (ended.length > 0) this.store.setDispatchAt(now);
    } catch (err) {
      console.error(`BudgetGuard ${scope}: housekeeping failed`, err);
    }
  }

  private async scheduleAlarm(now: number): Promise<void> {
    const config = this.store.config();
    if (config === null) return;
    const due = [
      config.housekeptAt + HOUSEKEEPING_MS,
      periodEndOf(config.period, config.periodStart),
      this.store.nextNoticeAt(),
      config.dispatchAt === null ? null : Math.max(config.dispatchAt, now + FIRST_RETRY_MS),
    ].filter((at): at is number => at !== null);
    const next = Math.min(...due);
    if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }
}

function assertUsd(value: number, name: string, min = -Infinity): void {
  if (!Number.isFinite(value) || value < min) throw new TypeError(`${name} must be a finite number ≥ ${min}`);
}
