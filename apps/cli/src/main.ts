// The `claudeops` command line: every command and flag (commander), one error sentence and exit code for every
// failure, help on each command. Run by bin/claudeops.js (the bundle in dist/, or these sources through tsx).
import { Command, CommanderError, Option } from 'commander';
import { ApiError } from './api';
import {
  cancelCommand,
  exportCommand,
  logsCommand,
  lsCommand,
  retryCommand,
  runCommand,
  statusCommand,
} from './commands/executions';
import {
  approvalsCommand,
  approveCommand,
  budgetsCommand,
  budgetsRmCommand,
  budgetsSetCommand,
  costsCommand,
  runnersAddCommand,
  runnersCommand,
  runnersRmCommand,
} from './commands/fleet';
import { registerSayCommand } from './commands/say';
import { registerScheduleCommands } from './commands/schedules';
import { initCommand, loginCommand, logoutCommand } from './commands/setup';
import { registerSuperviseCommands } from './commands/supervise';
import { registerWebhookCommands } from './commands/webhooks';
import { createContext, type Context, type Stdin } from './context';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';
import { CliError, createOutput, errorLine, type Sink } from './output';

export const CLI_VERSION = '0.1.0';

const collect = (value: string, previous: string[]) => [...previous, value];
const EXECUTION_STATUSES =
  'queued, blocked, assigned, running, awaiting_approval, paused, needs_review, succeeded, failed, cancelled, lost';

const CONFIG_HELP = `
Configuration: CLAUDEOPS_URL and CLAUDEOPS_TOKEN, else what \`claudeops login\` saved in
$XDG_CONFIG_HOME/claudeops/config.json (default ~/.config/claudeops/config.json, mode 0600).
Data goes to stdout, messages to stderr; colour only on a terminal, never with NO_COLOR (FORCE_COLOR forces it).

${EXIT_CODES_HELP}`;

function buildProgram(context: Context, setExit: (code: number) => void): Command {
  const program = new Command('claudeops')
    .description('Run, watch, approve and pay for ClaudeOps agents from a terminal.')
    .version(CLI_VERSION, '-V, --version')
    .showSuggestionAfterError(false)
    // `runners add --json` is add's flag, not the list's.
    .enablePositionalOptions()
    .addHelpText('after', CONFIG_HELP);
  const act =
    <A extends unknown[]>(handler: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await handler(...args));

  program
    .command('login')
    .description('Save the control plane URL and an admin token (checked against the API first).')
    .option('--url <url>', 'the control plane, e.g. https://claudeops.example.workers.dev (asked when absent)')
    .option(
      '--token-stdin',
      'read the token from stdin (never give it as an argument: ps and shell history show those)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  claudeops login\n  printf %s "$TOKEN" | claudeops login --url https://cp.example.dev --token-stdin',
    )
    .action(act((flags: { url?: string; tokenStdin?: boolean }) => loginCommand(context, flags)));

  program
    .command('logout')
    .description('Forget the saved URL and token.')
    .action(act(() => logoutCommand(context)));

  program
    .command('init')
    .description("Write .claudeops.json at the git repository's root: the defaults `run` uses here.")
    .option('--repo <repo>', 'repository the runner clones (default: the origin remote, else the root path)')
    .option('--ref <ref>', 'base ref (default: the current branch)')
    .option('--label <l>', 'a label (repeatable)', collect, [])
    .option('--agent <name>', 'agent template `run` uses when given no --agent')
    .option('--model <model>', 'model')
    .option('--force', 'overwrite an existing .claudeops.json', false)
    .option('--json', 'print the defaults written as JSON')
    .action(
      act(
        (f: {
          repo?: string;
          ref?: string;
          label: string[];
          agent?: string;
          model?: string;
          force: boolean;
          json?: boolean;
        }) => initCommand(context, { ...f, labels: f.label, template: f.agent }),
      ),
    );

  program
    .command('run')
    .description('Start an execution; with -f follow its log to the end and exit with its outcome.')
    .argument('[prompt]', 'what Claude should do (with an agent template: fills its {{task}} input)')
    .option('--agent <name>', 'start from this agent template')
    .option('--input <k=v>', 'a template input (repeatable)', collect, [])
    .option('--repo <repo>', 'run in a worktree of this repository')
    .option('--ref <ref>', 'base ref of the worktree')
    .option('--model <model>', 'model')
    .option('--budget <usd>', "the execution's own spending cap (maxBudgetUsd)")
    .option('--label <l>', 'a label (repeatable; added to .claudeops.json labels)', collect, [])
    .option('-f, --follow', 'stream the log until the execution ends; exit 0/1/2/3/4 (below)')
    .option('--wait-approvals', 'with -f off a terminal: keep following while an approval waits, instead of exit 4')
    .option('--wait-budget', 'with -f off a terminal: keep following while blocked by a budget, instead of exit 4')
    .option('--json', 'print the created execution as JSON (with -f: each event as one JSON line)')
    .addHelpText(
      'after',
      `\nDefaults come from the nearest .claudeops.json (claudeops init); flags win.\n\n${EXIT_CODES_HELP}\n\nExamples:\n  claudeops run "Fix the failing test" -f\n  claudeops run --agent pr-review --input repo=https://github.com/o/r --input base=main -f\n  id=$(claudeops run "Update the changelog" --label docs --budget 0.5)`,
    )
    .action(act((prompt: string | undefined, flags) => runCommand(context, prompt, flags)));

  program
    .command('status')
    .description('One execution in detail, or (no ID) what is running, runners online and approvals waiting.')
    .argument('[id]', 'execution id')
    .option('--json', 'print JSON')
    .action(act((id: string | undefined, flags: { json?: boolean }) => statusCommand(context, id, flags)));

  program
    .command('ls')
    .description('List executions, newest first (the filters of GET /api/v1/executions).')
    .option('--status <status>', `one of: ${EXECUTION_STATUSES}`)
    .option('--agent <name>', 'agent template')
    .option('--runner <id>', 'runner id')
    .option('--label <l>', 'label')
    .option('-q, --q <words>', 'words the prompt contains')
    .option('--trigger <kind>', 'what started it, one of: api, schedule, webhook, followup, mcp, retry')
    .option('--trigger-id <id>', 'the schedule, webhook or execution that started it')
    .option('--limit <n>', 'at most N (1-200, default 50)')
    .option('--cursor <cursor>', 'the next page, as the previous one said')
    .option('--all', 'every page')
    .option('--json', 'print JSON ({ items, nextCursor })')
    .action(act((flags) => lsCommand(context, flags)));

  program
    .command('logs')
    .description("Print an execution's events: Claude's text, tool calls and results, usage.")
    .argument('<id>', 'execution id')
    .option('-f, --follow', 'keep following until it ends (resumes after dropped connections); exits like run -f')
    .option('--after <n>', 'only events after seq N')
    .option('--json', 'one event per line (NDJSON)')
    .addHelpText('after', '\nWith -f a lost execution exits 3 and names its retry; run -f follows the retry itself.')
    .action(act((id: string, flags) => logsCommand(context, id, flags)));

  program
    .command('cancel')
    .description('Cancel an execution.')
    .argument('<id>', 'execution id')
    .option('--json', 'print JSON')
    .action(act((id: string, flags) => cancelCommand(context, id, flags)));

  program
    .command('retry')
    .description('Start a new attempt of an ended execution; prints its id.')
    .argument('<id>', 'execution id')
    .option('--json', 'print JSON')
    .action(act((id: string, flags) => retryCommand(context, id, flags)));

  program
    .command('export')
    .description('Download an execution bundle: transcript, patch, costs, approvals, result.')
    .argument('<id>', 'execution id')
    .addOption(new Option('--format <format>', 'json, md or html').default('json'))
    .option('-o, --output <file>', 'write it here (default stdout)')
    .action(act((id: string, flags) => exportCommand(context, id, flags)));

  program
    .command('approvals')
    .description('Tool calls waiting for a person.')
    .option('--execution <id>', 'only this execution')
    .option('--status <status>', 'pending (default), allowed, denied, expired or cancelled')
    .option('--json', 'print JSON')
    .action(act((flags) => approvalsCommand(context, flags)));

  program
    .command('approve')
    .description('Answer an approval: allow it (default) or --deny it.')
    .argument('<id>', 'approval id (ap_…)')
    .option('--deny', 'deny instead of allow')
    .option('--message <m>', 'told to Claude with the answer')
    .addOption(new Option('--remember <scope>', 'answer the same way from now on').choices(['execution', 'agent']))
    .option('--json', 'print JSON')
    .action(act((id: string, flags) => approveCommand(context, id, flags)));

  const runners = program
    .command('runners')
    .enablePositionalOptions()
    .description('List runners; `runners add` mints a registration token, `runners rm ID` revokes one.')
    .option('--json', 'print JSON')
    .action(act((flags: { json?: boolean }) => runnersCommand(context, flags)));
  runners
    .command('add')
    .description("Mint a one-time registration token and print the new runner's start command.")
    .option('--name <name>', "the runner's name (in the printed command)")
    .option('--label <l>', 'a label the runner gets, whatever it asks for (repeatable)', collect, [])
    .option('--max-concurrent <n>', 'the slots the runner gets')
    .option('--ttl <seconds>', 'how long the token works (default 3600)')
    .option('--json', 'print JSON (token, expiresAt, command)')
    .action(act((flags) => runnersAddCommand(context, flags)));
  runners
    .command('rm')
    .description('Revoke a runner: its token stops working, its executions go lost.')
    .argument('<id>', 'runner id (rn_…)')
    .option('--json', 'print JSON')
    .action(act((id: string, flags) => runnersRmCommand(context, id, flags)));

  const budgets = program
    .command('budgets')
    .enablePositionalOptions()
    .description('List budgets; `budgets set SCOPE` sets one, `budgets rm SCOPE` removes it.')
    .option('--json', 'print JSON')
    .action(act((flags: { json?: boolean }) => budgetsCommand(context, flags)));
  budgets
    .command('set')
    .description('Set a budget: SCOPE is global, agent:NAME or label:L.')
    .argument('<scope>', 'global, agent:NAME or label:L')
    .option('--hard <usd>', 'hard limit: admission stops and running executions are cancelled')
    .option('--soft <usd>', 'soft limit: an alert')
    .addOption(
      new Option('--period <period>', 'when the spend resets').choices(['day', 'month', 'total']).makeOptionMandatory(),
    )
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  claudeops budgets set global --hard 20 --soft 15 --period month')
    .action(act((scope: string, flags) => budgetsSetCommand(context, scope, flags)));
  budgets
    .command('rm')
    .description('Remove a budget.')
    .argument('<scope>', 'global, agent:NAME or label:L')
    .action(act((scope: string) => budgetsRmCommand(context, scope)));

  program
    .command('costs')
    .description('What was spent, grouped by day, model, agent or runner.')
    .addOption(
      new Option('--group-by <group>', 'day, model, agent or runner')
        .choices(['day', 'model', 'agent', 'runner'])
        .default('day'),
    )
    .option('--from <time>', 'from this ISO time (e.g. 2026-12-01T00:00:00Z)')
    .option('--to <time>', 'until this ISO time')
    .option('--json', 'print JSON')
    .action(act((flags) => costsCommand(context, flags)));

  // Every command and subcommand: errors come back here instead of commander's own printing and exit.
  registerSayCommand(program, context, act);
  registerSuperviseCommands(program, context, act);
  registerScheduleCommands(program, context, act);
  registerWebhookCommands(program, context, act);

  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (text) => context.output.out.write(text),
      writeErr: () => {},
      outputError: () => {},
    });
    command.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

export interface MainIo {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: Stdin;
  stdout?: Sink;
  stderr?: Sink;
  fetch?: (request: Request) => Promise<Response>;
}

/** Runs one command line (without node and the script); resolves the exit code. */
export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const output = createOutput(io.stdout ?? process.stdout, io.stderr ?? process.stderr, env);
  const context = createContext({
    env,
    cwd: io.cwd ?? process.cwd(),
    stdin: io.stdin ?? process.stdin,
    output,
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
  let exit: number = EXIT.ok;
  const program = buildProgram(context, (code) => (exit = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      if (error.code === 'commander.executeSubCommandAsync') return EXIT.error;
      output.note(`${errorLine(error)} (see claudeops --help)`);
      return EXIT.usage;
    }
    if (error instanceof CliError || error instanceof ApiError) {
      output.note(errorLine(error));
      return error instanceof CliError ? error.exitCode : EXIT.error;
    }
    // A bug: still one line, the stack only when asked for.
    if (env.CLAUDEOPS_DEBUG && error instanceof Error) output.note(error.stack ?? error.message);
    output.note(errorLine(error));
    return EXIT.error;
  }
}
