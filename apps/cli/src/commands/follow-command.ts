// The following half of `run -f` and `logs -f`: prints the log as it grows, keeps the status line, decides when a
// person is needed (exit 4 off a TTY), follows a lost attempt into its automatic retry (run -f), and gives the exit.
import { isTerminal, type ExecutionDetail } from '@claudeops/control-plane/protocol';
import type { Context } from '../context';
import { EXIT, exitForStatus } from '../exit-codes';
import { followExecution } from '../follow';
import { newFollowState, type FollowState } from '../follow-state';
import { LiveView } from '../live-view';

export interface FollowFlags {
  json: boolean;
  after: number;
  /** run -f: a lost attempt retried automatically is followed into the retry. */
  followRetries: boolean;
  /** run -f: stop with 4 off a TTY when a person is needed (logs -f only shows it). */
  stopForPerson: boolean;
  waitApprovals: boolean;
  waitBudget: boolean;
}

/** The attempt after `id` in its chain, if the control plane made one. */
const nextAttempt = (detail: ExecutionDetail, id: string) => {
  const index = detail.attempts.findIndex((attempt) => attempt.id === id);
  return index >= 0 ? (detail.attempts[index + 1] ?? null) : null;
};

export async function followAndExit(context: Context, executionId: string, flags: FollowFlags): Promise<number> {
  const config = await context.config();
  const client = await context.client();
  const { output } = context;
  const view = new LiveView(output, { json: flags.json, statusLine: true });
  const interactive = context.stdin.isTTY === true;
  const announced = new Set<string>();
  let blockedShown = false;
  let lastDetail: ExecutionDetail | null = null;

  const onProgress = (state: FollowState, detail: ExecutionDetail | null): number | null => {
    if (detail !== null) lastDetail = detail;
    view.update(state);
    if (!state.caughtUp) return null;
    for (const approval of state.pending.values()) {
      if (announced.has(approval.approvalId)) continue;
      announced.add(approval.approvalId);
      view.notice(
        output.paintErr('yellow', `Waiting for approval ${approval.approvalId}: ${approval.tool} ${approval.pattern}`) +
          `\n  allow: claudeops approve ${approval.approvalId}\n  deny:  claudeops approve ${approval.approvalId} --deny --message "why"`,
      );
    }
    if (flags.stopForPerson && !interactive) {
      if (state.pending.size > 0 && !flags.waitApprovals) return EXIT.needsPerson;
      if (state.status === 'blocked' && !flags.waitBudget) {
        view.notice(
          `${state.executionId} is blocked: ${lastDetail?.blockedReason ?? state.reason ?? 'a budget limit'}`,
        );
        return EXIT.needsPerson;
      }
    }
    if (state.status === 'blocked' && !blockedShown) {
      blockedShown = true;
      view.notice(
        `${state.executionId} is blocked (${lastDetail?.blockedReason ?? 'a budget limit'}); waiting for room`,
      );
    }
    return null;
  };

  let state = newFollowState(executionId, flags.after);
  const transport = context.env.CLAUDEOPS_FOLLOW === 'http' ? 'http' : 'ws';
  for (;;) {
    const stopped = await followExecution(
      state,
      {
        onEvents: (events) => view.events(events),
        onProgress,
        onNotice: (message) => view.notice(output.paintErr('dim', message)),
      },
      { baseUrl: config.url, token: config.token, client, transport, validate: flags.json ? 'envelope' : 'full' },
    );
    if (stopped !== null) {
      view.end(state);
      return stopped;
    }
    const status = state.status;
    if (status === 'lost' && flags.followRetries && lastDetail !== null) {
      const next = nextAttempt(lastDetail, state.executionId);
      if (next !== null) {
        view.notice(
          `attempt of ${state.executionId} was lost; following its retry ${next.id} (attempt ${next.attempt})`,
        );
        state = newFollowState(next.id);
        continue;
      }
    }
    view.end(state);
    if (status === 'lost' && !flags.followRetries && lastDetail !== null) {
      const next = nextAttempt(lastDetail, state.executionId);
      if (next !== null) output.note(`it was retried as ${next.id}: claudeops logs ${next.id} -f`);
    }
    if (status !== null && isTerminal(status) && state.reason) output.note(`${status}: ${state.reason}`);
    return (status !== null ? exitForStatus(status) : null) ?? EXIT.error;
  }
}
