// `claudeops schedules`: list, add, remove, enable/disable, run now (optionally following the run) and the runs of
// recurring executions, through /api/v1/schedules (a schedule is named by its name or its sch_ id). Registered by
// main.ts; the request building is plain functions, tested in schedules.test.ts.
import type { Command } from 'commander';
import type { Execution, Schedule, ScheduleRun } from '@claudeops/control-plane/protocol';
import { body } from '../api';
import type { Context } from '../context';
import { EXIT } from '../exit-codes';
import { parseInputs, parsePositiveInt, parseUsd, usage } from '../requests';
import { ago, clipText, table } from '../table';
import { followAndExit } from './follow-command';

/** `act` wraps a handler so that its resolved number becomes the exit code. */
export type Act = <A extends unknown[]>(handler: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

type Page<T> = { items: T[]; nextCursor: string | null };
const collect = (value: string, previous: string[]) => [...previous, value];

export interface AddFlags {
  cron?: string;
  tz?: string;
  agent?: string;
  input: string[];
  prompt?: string;
  overlap?: string;
  quiet?: string;
  maxPerDay?: string;
  missed?: string;
  disabled?: boolean;
  label: string[];
  model?: string;
  budget?: string;
  repo?: string;
  ref?: string;
  json?: boolean;
}

const OVERLAPS = ['skip', 'queue', 'cancel-previous'];
const MISSED = ['run-once', 'skip'];

/** `22:00-07:00` → `{ start, end }`. */
export function parseQuiet(raw: string): { start: string; end: string } {
  const match = /^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$/.exec(raw);
  if (!match) throw usage(`--quiet ${raw}: give the quiet hours as HH:MM-HH:MM, e.g. 22:00-07:00`);
  const pad = (t: string) => t.padStart(5, '0');
  return { start: pad(match[1]!), end: pad(match[2]!) };
}

/** The POST /api/v1/schedules body for `schedules add`. */
export function scheduleBody(name: string, flags: AddFlags): Record<string, unknown> {
  if (flags.cron === undefined) throw usage('schedules add: give --cron, e.g. --cron "0 7 * * *"');
  if ((flags.agent === undefined) === (flags.prompt === undefined)) {
    throw usage('schedules add: give either --agent NAME (with --input k=v) or --prompt TEXT');
  }
  if (flags.input.length > 0 && flags.agent === undefined) throw usage('--input needs --agent');
  if (flags.overlap !== undefined && !OVERLAPS.includes(flags.overlap)) {
    throw usage(`--overlap ${flags.overlap}: one of ${OVERLAPS.join(', ')}`);
  }
  if (flags.missed !== undefined && !MISSED.includes(flags.missed)) {
    throw usage(`--missed ${flags.missed}: one of ${MISSED.join(', ')}`);
  }
  const inputs = parseInputs(flags.input);
  return {
    name,
    cron: flags.cron,
    ...(flags.tz !== undefined ? { timezone: flags.tz } : {}),
    ...(flags.agent !== undefined ? { agent: flags.agent } : { prompt: flags.prompt }),
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
    ...(flags.overlap !== undefined ? { overlap: flags.overlap } : {}),
    ...(flags.quiet !== undefined ? { quietHours: parseQuiet(flags.quiet) } : {}),
    ...(flags.maxPerDay !== undefined ? { maxRunsPerDay: parsePositiveInt('--max-per-day', flags.maxPerDay) } : {}),
    ...(flags.missed !== undefined ? { missed: flags.missed } : {}),
    ...(flags.disabled ? { enabled: false } : {}),
    ...(flags.label.length > 0 ? { labels: flags.label } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.budget !== undefined ? { maxBudgetUsd: parseUsd('--budget', flags.budget) } : {}),
    ...(flags.repo !== undefined ? { repo: flags.repo } : {}),
    ...(flags.ref !== undefined ? { ref: flags.ref } : {}),
  };
}

/** The next run as a table cell: relative, or `disabled`. */
export function nextCell(schedule: Pick<Schedule, 'enabled' | 'nextRunAt'>, now = Date.now()): string {
  if (!schedule.enabled || schedule.nextRunAt === null) return 'disabled';
  const minutes = Math.round((Date.parse(schedule.nextRunAt) - now) / 60_000);
  if (minutes <= 0) return 'now';
  if (minutes < 60) return `in ${minutes}m`;
  if (minutes < 48 * 60) return `in ${Math.round(minutes / 60)}h`;
  return `in ${Math.round(minutes / 1440)}d`;
}

const lastCell = (run: ScheduleRun | null) =>
  run === null ? '-' : `${ago(run.firedAt)} ${run.outcome === 'queued' ? (run.status ?? 'queued') : run.outcome}`;

async function listCommand(context: Context, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const page = await body<Page<Schedule>>(client.GET('/api/v1/schedules', { params: { query: { limit: 200 } } }));
  if (flags.json) return (context.output.json(page), EXIT.ok);
  if (page.items.length === 0) {
    context.output.note('no schedules yet: claudeops schedules add NAME --cron "0 7 * * *" --prompt "…"');
    return EXIT.ok;
  }
  const rows = page.items.map((s) => [
    s.name,
    `${s.cron}${s.timezone === 'UTC' ? '' : ` ${s.timezone}`}`,
    s.agent ?? clipText(s.prompt ?? '', 30),
    nextCell(s),
    lastCell(s.lastRun),
    s.overlap,
  ]);
  for (const line of table(['NAME', 'CRON', 'RUNS', 'NEXT', 'LAST', 'OVERLAP'], rows)) context.output.data(line);
  return EXIT.ok;
}

async function addCommand(context: Context, name: string, flags: AddFlags): Promise<number> {
  const request = scheduleBody(name, flags);
  const client = await context.client();
  const created = await body<Schedule>(client.POST('/api/v1/schedules', { body: request as never }));
  if (flags.json) context.output.json(created);
  else context.output.data(`${created.id} ${created.name} next ${created.nextRunAt ?? '(disabled)'}`);
  return EXIT.ok;
}

async function setEnabled(context: Context, id: string, enabled: boolean, flags: { json?: boolean }) {
  const client = await context.client();
  const changed = await body<Schedule>(
    client.PATCH('/api/v1/schedules/{id}', { params: { path: { id } }, body: { enabled } }),
  );
  if (flags.json) context.output.json(changed);
  else context.output.data(`${changed.name} ${enabled ? `enabled, next ${changed.nextRunAt}` : 'disabled'}`);
  return EXIT.ok;
}

async function rmCommand(context: Context, id: string): Promise<number> {
  const client = await context.client();
  await client.DELETE('/api/v1/schedules/{id}', { params: { path: { id } } });
  context.output.note(`removed schedule ${id}`);
  return EXIT.ok;
}

async function runNowCommand(context: Context, id: string, flags: { follow?: boolean; json?: boolean }) {
  const client = await context.client();
  const execution = await body<Execution>(client.POST('/api/v1/schedules/{id}/run', { params: { path: { id } } }));
  if (!flags.follow) {
    if (flags.json) context.output.json(execution);
    else context.output.data(execution.id);
    return EXIT.ok;
  }
  context.output.note(context.output.paintErr('dim', `started ${execution.id}; following`));
  return followAndExit(context, execution.id, {
    json: flags.json === true,
    after: 0,
    followRetries: true,
    stopForPerson: true,
    waitApprovals: false,
    waitBudget: false,
  });
}

async function runsCommand(context: Context, id: string, flags: { limit?: string; json?: boolean }) {
  const limit = flags.limit === undefined ? 20 : parsePositiveInt('--limit', flags.limit);
  const client = await context.client();
  const page = await body<Page<ScheduleRun>>(
    client.GET('/api/v1/schedules/{id}/runs', { params: { path: { id }, query: { limit } } }),
  );
  if (flags.json) return (context.output.json(page), EXIT.ok);
  if (page.items.length === 0) {
    context.output.note(`no runs of ${id} yet`);
    return EXIT.ok;
  }
  const rows = page.items.map((r) => [
    r.dueAt.slice(0, 16).replace('T', ' '),
    r.outcome,
    r.executionId ?? '-',
    r.status ?? '-',
    clipText(r.reason ?? '', 60),
  ]);
  for (const line of table(['DUE (UTC)', 'OUTCOME', 'EXECUTION', 'STATUS', 'REASON'], rows)) context.output.data(line);
  return EXIT.ok;
}

export function registerScheduleCommands(program: Command, context: Context, act: Act): void {
  const schedules = program
    .command('schedules')
    .enablePositionalOptions()
    .description('List schedules (recurring executions); add, rm, enable, disable, run and runs below.')
    .option('--json', 'print JSON')
    .action(act((flags: { json?: boolean }) => listCommand(context, flags)));

  schedules
    .command('add')
    .description('Create a schedule: a cron (five fields, minute precision) and the execution it starts.')
    .argument('<name>', 'a name (letters, digits, _ . -)')
    .option('--cron <expr>', 'when, e.g. "0 7 * * *" or "*/15 9-17 * * MON-FRI"')
    .option('--tz <zone>', 'IANA timezone the cron is read in (default UTC)')
    .option('--agent <name>', 'start this agent template')
    .option('--input <k=v>', 'a template input (repeatable)', collect, [])
    .option('--prompt <text>', 'or start a plain prompt')
    .option('--overlap <policy>', 'while the previous run is live: skip (default), queue or cancel-previous')
    .option('--quiet <HH:MM-HH:MM>', 'quiet hours in the timezone, e.g. 22:00-07:00 (runs due inside are skipped)')
    .option('--max-per-day <n>', 'at most N runs a local day')
    .option('--missed <policy>', 'a run missed while the control plane was down: skip (default) or run-once')
    .option('--disabled', 'create it disabled')
    .option('--label <l>', 'a label of its executions (repeatable)', collect, [])
    .option('--model <model>', 'model')
    .option('--budget <usd>', 'each execution’s spending cap (maxBudgetUsd)')
    .option('--repo <repo>', 'run in a worktree of this repository')
    .option('--ref <ref>', 'base ref of the worktree')
    .option('--json', 'print the schedule as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  claudeops schedules add nightly --cron "0 2 * * *" --tz Europe/Berlin --prompt "Run the test suite"\n  claudeops schedules add triage --cron "*/30 9-17 * * MON-FRI" --agent bug-fixer --input repo=https://github.com/o/r --input issue="#12" --quiet 12:00-13:00',
    )
    .action(act((name: string, flags: AddFlags) => addCommand(context, name, flags)));

  schedules
    .command('rm')
    .description('Delete a schedule (its executions stay).')
    .argument('<schedule>', 'name or id')
    .action(act((id: string) => rmCommand(context, id)));

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    schedules
      .command(verb)
      .description(enabled ? 'Enable a schedule (its next run is counted from now).' : 'Disable a schedule.')
      .argument('<schedule>', 'name or id')
      .option('--json', 'print the schedule as JSON')
      .action(act((id: string, flags: { json?: boolean }) => setEnabled(context, id, enabled, flags)));
  }

  schedules
    .command('run')
    .description('Run a schedule now; prints the execution id (with -f follows it like run -f).')
    .argument('<schedule>', 'name or id')
    .option('-f, --follow', 'stream the log until the execution ends; exits like run -f')
    .option('--json', 'print the execution as JSON (with -f: each event as one JSON line)')
    .action(act((id: string, flags: { follow?: boolean; json?: boolean }) => runNowCommand(context, id, flags)));

  schedules
    .command('runs')
    .description('A schedule’s runs, newest first: due minute, outcome, execution and its status, reason.')
    .argument('<schedule>', 'name or id')
    .option('--limit <n>', 'at most N (1-200, default 20)')
    .option('--json', 'print JSON ({ items, nextCursor })')
    .action(act((id: string, flags: { limit?: string; json?: boolean }) => runsCommand(context, id, flags)));
}
