// Supervision commands: `pause`, `resume`, `review` (decide a needs_review execution), `checkpoints` and `rewind`
// (restore a checkpoint in a follow-up). Each goes through the shared typed client; `supervisionLines` is what
// `status ID` adds for a paused or reviewed execution.
import { Argument, type Command } from 'commander';
import {
  PauseBody,
  ReviewDecisionBody,
  RewindBody,
  type CheckpointList,
  type Execution,
  type ReviewDecisionResult,
  type RewindResult,
} from '@claudeops/control-plane/protocol';
import type { z } from 'zod';
import { body } from '../api';
import type { Context } from '../context';
import { EXIT } from '../exit-codes';
import type { Paint } from '../output';
import { parsePositiveInt, usage } from '../requests';
import { clipText, table } from '../table';
import { messageText, type Act } from './say';

/** The three answers `review` takes. */
export const REVIEW_DECISIONS = ['accept', 'reject', 'feedback'] as const;

/** The first problem zod found, as `flag: message`. */
function firstIssue(error: z.ZodError, flags: Record<string, string>): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const key = String(issue.path[0] ?? '');
  return `${flags[key] ?? key}: ${issue.message}`;
}

/** An ISO time to the second, for tables: `2026-12-03 12:00:00Z`. */
const shortTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export async function pauseCommand(
  context: Context,
  id: string,
  flags: { message?: string; json?: boolean },
): Promise<number> {
  const parsed = PauseBody.safeParse(flags.message === undefined ? {} : { message: flags.message });
  if (!parsed.success) throw usage(firstIssue(parsed.error, { message: '--message' }));
  const client = await context.client();
  const execution = await body<Execution>(
    client.POST('/api/v1/executions/{id}/pause', { params: { path: { id } }, body: parsed.data }),
  );
  if (flags.json) context.output.json(execution);
  else context.output.data(`${execution.id} ${execution.status}${execution.status === 'paused' ? '' : ' (pausing)'}`);
  context.output.note(`its next model call waits: claudeops resume ${execution.id} lets it go on`);
  return EXIT.ok;
}

export async function resumeCommand(context: Context, id: string, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const execution = await body<Execution>(client.POST('/api/v1/executions/{id}/resume', { params: { path: { id } } }));
  if (flags.json) context.output.json(execution);
  // The held calls go at once; the status says `paused` until the runner's `running` is stored.
  else
    context.output.data(`${execution.id} ${execution.status === 'paused' ? 'running (resuming)' : execution.status}`);
  return EXIT.ok;
}

/** The POST …/review body: feedback needs a message (the argument, or stdin with `-` or piped). */
export async function reviewBody(
  context: Context,
  decision: string,
  message: string | undefined,
): Promise<ReviewDecisionBody> {
  let text = message === undefined ? undefined : message.trim() || undefined;
  if (decision === 'feedback') {
    if (message === undefined && context.stdin.isTTY === true) {
      throw usage('feedback needs a message: claudeops review ID feedback "what to change" (or - to read stdin)');
    }
    text = await messageText(context, message);
  } else if (message === '-') {
    text = await messageText(context, message);
  }
  const parsed = ReviewDecisionBody.safeParse({ decision, ...(text === undefined ? {} : { message: text }) });
  if (!parsed.success) throw usage(firstIssue(parsed.error, { decision: 'the decision', message: 'the message' }));
  return parsed.data;
}

export async function reviewCommand(
  context: Context,
  id: string,
  decision: string,
  message: string | undefined,
  flags: { json?: boolean },
): Promise<number> {
  const request = await reviewBody(context, decision, message);
  const client = await context.client();
  const result = await body<ReviewDecisionResult>(
    client.POST('/api/v1/executions/{id}/review', { params: { path: { id } }, body: request }),
  );
  const { output } = context;
  const { execution, followup } = result;
  if (flags.json) output.json(result);
  else if (followup !== null) output.data(followup.id);
  else output.data(`${execution.id} ${execution.status}`);
  if (followup !== null) {
    output.note(
      `${execution.id} ${execution.status} (changes requested): follow-up ${followup.id} resumes its session; follow it with claudeops logs ${followup.id} -f`,
    );
  }
  return EXIT.ok;
}

/** The checkpoints as a table: n, time, files, +/-, the message a conversation rewind resumes at. */
export function checkpointRows(items: CheckpointList['items'], paint: Paint): string[] {
  return table(
    ['N', 'TIME', 'FILES', '+/-', 'MESSAGE'],
    items.map((c) => [
      String(c.n),
      shortTime(c.ts),
      String(c.files.length),
      `${paint('green', `+${c.insertions}`)}/${paint('red', `-${c.deletions}`)}`,
      c.messageId ?? '-',
    ]),
  );
}

export async function checkpointsCommand(context: Context, id: string, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const list = await body<CheckpointList>(
    client.GET('/api/v1/executions/{id}/checkpoints', { params: { path: { id } } }),
  );
  const { output } = context;
  if (flags.json) output.json(list);
  else if (list.items.length === 0)
    output.note(`${id} has no checkpoints (one is taken after each turn that changes files)`);
  else {
    checkpointRows(list.items, output.paint).forEach((line) => output.data(line));
    output.note(`rewind: claudeops rewind ${id} N [--conversation] [--prompt "…"]`);
  }
  return EXIT.ok;
}

export interface RewindFlags {
  conversation?: boolean;
  prompt?: string;
  json?: boolean;
}

/** The POST …/rewind body from `N` and the flags. */
export function rewindBody(n: string, flags: RewindFlags): RewindBody {
  const parsed = RewindBody.safeParse({
    checkpoint: parsePositiveInt('the checkpoint', n),
    conversation: flags.conversation === true,
    ...(flags.prompt !== undefined ? { prompt: flags.prompt } : {}),
  });
  if (!parsed.success) throw usage(firstIssue(parsed.error, { checkpoint: 'the checkpoint', prompt: '--prompt' }));
  return parsed.data;
}

export async function rewindCommand(context: Context, id: string, n: string, flags: RewindFlags): Promise<number> {
  const request = rewindBody(n, flags);
  const client = await context.client();
  const result = await body<RewindResult>(
    client.POST('/api/v1/executions/{id}/rewind', { params: { path: { id } }, body: request }),
  );
  const { output } = context;
  const what = request.conversation ? 'files and conversation' : 'files';
  if (flags.json) output.json(result);
  else if (result.followup !== null) output.data(result.followup.id);
  if (result.followup !== null) {
    output.note(
      `rewound ${id} to checkpoint ${request.checkpoint} (${what}) in follow-up ${result.followup.id}; follow it with claudeops logs ${result.followup.id} -f`,
    );
  } else {
    output.note(
      `${id} is being cancelled; the follow-up at checkpoint ${request.checkpoint} (${what}) starts once it has stopped: claudeops ls --trigger followup --trigger-id ${id}`,
    );
  }
  return EXIT.ok;
}

/** What `status ID` says about supervision: why a paused execution waits, and the reviewer's last verdict. */
export function supervisionLines(e: Execution): string[] {
  const lines: string[] = [];
  if (e.status === 'paused' && e.pausedReason !== null) {
    const message = e.pauseMessage ? `: ${clipText(e.pauseMessage, 200)}` : '';
    lines.push(`paused    ${e.pausedReason}${message}${e.resumeAt ? `  (resumes at ${e.resumeAt})` : ''}`);
  }
  const review = e.reviewResult;
  if (review !== null) {
    const by = review.model ?? review.endpoint;
    lines.push(`review    ${review.outcome}: ${clipText(review.reason, 200)}  (round ${review.round}, ${by})`);
    if (review.verdict !== null) {
      const { verdict } = review;
      lines.push(
        `  ${verdict.verdict}, confidence ${verdict.confidence.toFixed(2)}: ${clipText(verdict.summary, 200)}`,
      );
      for (const f of verdict.findings) {
        const where = f.file ? ` ${f.file}${f.line !== undefined ? `:${f.line}` : ''}` : '';
        lines.push(`  [${f.severity}]${where} ${clipText(f.message, 200)}`);
      }
    } else if (review.problem) {
      lines.push(`  no verdict: ${clipText(review.problem, 200)}`);
    }
  }
  if (e.status === 'needs_review') {
    lines.push(`decide    claudeops review ${e.id} accept|reject|feedback "what to change"`);
  }
  return lines;
}

export function registerSuperviseCommands(program: Command, context: Context, act: Act): void {
  program
    .command('pause')
    .description("Pause a running execution: its next model call waits (no tokens are spent) until it's resumed.")
    .argument('<id>', 'execution id')
    .option('--message <text>', 'why (shown with the pause; default: who paused it)')
    .option('--json', 'print the execution as JSON')
    .action(act((id: string, flags: { message?: string; json?: boolean }) => pauseCommand(context, id, flags)));

  program
    .command('resume')
    .description('Resume a paused execution (a budget still over its hard limit pauses it again).')
    .argument('<id>', 'execution id')
    .option('--json', 'print the execution as JSON')
    .action(act((id: string, flags: { json?: boolean }) => resumeCommand(context, id, flags)));

  program
    .command('review')
    .description('Decide an execution that needs review: accept (succeeds), reject (fails) or send feedback.')
    .argument('<id>', 'execution id (status needs_review)')
    .addArgument(new Argument('<decision>', 'accept, reject or feedback').choices(REVIEW_DECISIONS))
    .argument('[message]', 'why; feedback needs it (- or nothing, with stdin piped, reads it from stdin)')
    .option('--json', 'print the API answer as JSON ({ execution, followup })')
    .addHelpText(
      'after',
      '\nFeedback ends the execution failed ("changes requested") and starts a follow-up that resumes its session:\nits id is printed on stdout. Accept and reject print the execution and its new status.\n\nExamples:\n  claudeops review ex_01J… accept\n  claudeops review ex_01J… feedback "the test still fails on Node 20"',
    )
    .action(
      act((id: string, decision: string, message: string | undefined, flags: { json?: boolean }) =>
        reviewCommand(context, id, decision, message, flags),
      ),
    );

  program
    .command('checkpoints')
    .description("An execution's checkpoints: one per turn that changed files, oldest first.")
    .argument('<id>', 'execution id')
    .option('--json', 'print JSON ({ items }, each with its files and patch)')
    .action(act((id: string, flags: { json?: boolean }) => checkpointsCommand(context, id, flags)));

  program
    .command('rewind')
    .description("Restore checkpoint N's files (and with --conversation the session at its message) in a follow-up.")
    .argument('<id>', 'execution id')
    .argument('<n>', 'the checkpoint (claudeops checkpoints ID lists them)')
    .option('--conversation', "also resume Claude Code's conversation at the checkpoint's message")
    .option('--prompt <text>', 'what the agent is told after the rewind')
    .option('--json', 'print the API answer as JSON ({ execution, followup })')
    .addHelpText(
      'after',
      '\nAn ended execution gets its follow-up at once (its id is printed on stdout). A running one is cancelled\nfirst and the follow-up starts once it has stopped (nothing on stdout; stderr says how to find it).',
    )
    .action(act((id: string, n: string, flags: RewindFlags) => rewindCommand(context, id, n, flags)));
}
