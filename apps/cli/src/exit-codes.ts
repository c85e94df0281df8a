// The exit codes of `claudeops`: what a script reads after `run -f` or `logs -f`, and after any error.
import type { ExecutionStatus } from '@claudeops/control-plane/protocol';

export const EXIT = {
  /** The command did what was asked; for `run -f` / `logs -f`: the execution succeeded. */
  ok: 0,
  failed: 1,
  cancelled: 2,
  lost: 3,
  /** Followed off a TTY, the run waits on a person: a pending approval (without --wait-approvals), or `blocked` by
   * a budget's hard limit (without --wait-budget). */
  needsPerson: 4,
  /** The command could not be done: the API refused it, the control plane cannot be reached, no configuration. */
  error: 5,
  /** For `run -f` / `logs -f`: Claude Code finished but a check failed or the reviewer was not confident enough, so
   * the execution is `needs_review` and nothing more happens until a person decides (`claudeops review`). */
  needsReview: 6,
  /** The command line itself was wrong: an unknown command or flag, a missing or bad argument. */
  usage: 64,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code a follow ends with for this status: an ended execution's, or `needs_review`'s (a follow stops there
 * too, as only a person's decision moves it on); null for the statuses a follow waits through. */
export function exitForStatus(status: ExecutionStatus): ExitCode | null {
  switch (status) {
    case 'succeeded':
      return EXIT.ok;
    case 'failed':
      return EXIT.failed;
    case 'cancelled':
      return EXIT.cancelled;
    case 'lost':
      return EXIT.lost;
    case 'needs_review':
      return EXIT.needsReview;
    default:
      return null;
  }
}

/** The text `--help` and the README give for the exit codes of a followed run. */
export const EXIT_CODES_HELP = `Exit codes (with -f):
  0  the execution succeeded
  1  it failed
  2  it was cancelled (by a person, or by a budget's hard limit while running)
  3  it was lost (its runner vanished) and no retry of it is left; a lost attempt that the control plane retries
     automatically is followed into its retry (the retry chain), so 3 means the last attempt was lost
  4  it needs a person, and stdin is not a TTY: it waits for a tool approval (unless --wait-approvals), or it is
     blocked because a budget's hard limit is reached (unless --wait-budget). On a TTY the approval is printed with
     the command that answers it and following goes on.
  5  the command could not be done (the API refused it, the control plane cannot be reached, not logged in)
  6  it needs review: Claude Code finished, but a check failed or the reviewer was not confident enough; decide it
     with claudeops review ID accept|reject|feedback (following stops there, on a TTY too)
 64  usage error (unknown command or flag, missing or bad argument)`;
