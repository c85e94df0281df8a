// `claudeops say ID "text"`: a follow-up message to a running or ended execution. Running: it reaches the live Claude
// Code session as the next user message; ended: a follow-up execution resumes the session (its id is printed). The
// text comes from the argument, or from stdin with `-` (or no argument off a terminal); `-f` follows where it went.
import type { Command } from 'commander';
import type { PostMessageResult } from '@claudeops/control-plane/protocol';
import { body } from '../api';
import type { Context } from '../context';
import { EXIT } from '../exit-codes';
import { readAll } from '../prompt-input';
import { usage } from '../requests';
import { followAndExit } from './follow-command';

/** `act` wraps a handler so that its resolved number becomes the exit code. */
export type Act = <A extends unknown[]>(handler: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export interface SayFlags {
  follow?: boolean;
  json?: boolean;
}

/** The message: the argument as given, or all of stdin for `-` (or no argument with stdin piped). */
export async function messageText(context: Context, text: string | undefined): Promise<string> {
  const fromStdin = text === '-' || (text === undefined && context.stdin.isTTY !== true);
  const value = fromStdin ? await readAll(context.stdin) : (text ?? '').trim();
  if (value === '') {
    throw usage(fromStdin ? 'stdin was empty: give the message text' : 'give the message text (or - to read stdin)');
  }
  return value;
}

/** One line for a person: where the message went. */
export function deliveredLine(id: string, result: PostMessageResult): string {
  if (result.delivery === 'live') return `sent to ${result.execution.id} (running) as ${result.messageId ?? '?'}`;
  return `${id} had ended: follow-up ${result.execution.id} resumes its session (${result.execution.status})`;
}

export async function sayCommand(
  context: Context,
  id: string,
  text: string | undefined,
  flags: SayFlags,
): Promise<number> {
  const message = await messageText(context, text);
  const client = await context.client();
  const result = await body<PostMessageResult>(
    client.POST('/api/v1/executions/{id}/messages', { params: { path: { id } }, body: { text: message } }),
  );
  const { output } = context;
  if (flags.json) output.json(result);
  else if (result.delivery === 'followup') output.data(result.execution.id);
  else output.data(result.messageId ?? '');
  output.note(deliveredLine(id, result));
  if (!flags.follow) return EXIT.ok;
  return followAndExit(context, result.execution.id, {
    json: flags.json === true,
    after: 0,
    followRetries: true,
    stopForPerson: false,
    waitApprovals: true,
    waitBudget: true,
  });
}

export function registerSayCommand(program: Command, context: Context, act: Act): void {
  program
    .command('say')
    .description('Send a message to an execution: the next turn of a running one, or a follow-up of an ended one.')
    .argument('<id>', 'execution id (any turn of the conversation: the message goes to its newest)')
    .argument('[text]', 'the message; - (or nothing, with stdin piped) reads it from stdin')
    .option('-f, --follow', "follow the live execution's or the follow-up's log until it ends; exits like logs -f")
    .option('--json', 'print the API answer as JSON ({ delivery, messageId, execution })')
    .addHelpText(
      'after',
      '\nPrints the follow-up id (ended) or the message id (live) on stdout, where it went on stderr.\n\nExamples:\n  claudeops say ex_01J… "now add a test for it"\n  git diff | claudeops say ex_01J… - -f',
    )
    .action(act((id: string, text: string | undefined, flags: SayFlags) => sayCommand(context, id, text, flags)));
}
