// A running job's budget side, for the job runner: asks the hub's permit for each model call the model proxy reports,
// cancels the run on a refusal, and notes which budget stopped it (a refusal, a hard alert).
import type { EventData } from '@claudeops/control-plane/protocol';
import type { Logger } from '../support/logger';
import type { PermitAnswer } from '../proxy/model-proxy';
import { logDraft, type RunningJob } from './running-job';

/** Whether one of the job's model calls may start; `cancelForBudget` stops the run when the hub refuses it. */
export async function requestJobPermit(
  active: RunningJob,
  signal: AbortSignal,
  log: Logger,
  cancelForBudget: () => void,
): Promise<PermitAnswer> {
  // A run on its way out starts no new model call: a cancel takes seconds to take effect, calls cost money.
  if (active.ending) return { allowed: false, reason: `the execution is ending (${active.stopText()})` };
  // The turn that just ended is checkpointed first (and a file breakpoint it hit holds the call here).
  if (active.beforeModelCall !== null) {
    await active.beforeModelCall();
    if (active.ending) return { allowed: false, reason: `the execution is ending (${active.stopText()})` };
  }
  const answer = await active.stream.requestPermit(signal);
  // Refusals of the runner's own (the caller left, the log ended) need no more than the refusal itself.
  if (answer.allowed || signal.aborted || active.logClosed || active.outcome) return answer;
  const reason = answer.reason ?? 'no reason given';
  log.warn('the control plane refused a model call; cancelling', { executionId: active.executionId, reason });
  active.noteBudget(reason);
  active.stream.emit(logDraft('warn', `ClaudeOps refused a model call: ${reason}`));
  // The hub is cancelling the execution for its budget too; cancelling now, not when its exec.cancel arrives, ends
  // the run as cancelled even when Claude Code would have given up on the refused call (failed) first.
  cancelForBudget();
  return answer;
}

/** Notes which budget a hard alert says was reached, unless the run already has a note; other alerts change nothing. */
export function noteBudgetAlert(active: RunningJob, alert: EventData<'budget.alert'>): void {
  if (alert.level !== 'hard') return;
  const limit = `$${alert.limitUsd.toFixed(2)}`;
  const spent = `$${alert.spentUsd.toFixed(2)} spent`;
  active.noteBudget(
    alert.scope === 'execution'
      ? `the execution's maxBudgetUsd of ${limit} was reached (${spent})`
      : `budget ${alert.scope}: hard limit ${limit} reached (${spent})`,
  );
}
