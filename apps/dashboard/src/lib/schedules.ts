// Page logic of /schedules: a cron in words (the common shapes; anything else shown as it is), the next and last run
// as text, and the create form's fields turned into a POST /api/v1/schedules body (with the faults it can name
// before asking the API). Used by routes/schedules/**; tested in schedules.test.ts.
import type { Schedule, ScheduleRun } from '@claudeops/control-plane/protocol';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: string) => n.padStart(2, '0');

/** "every day at 07:00", "every 15 minutes", "weekdays at 09:30"…; the cron itself when it is another shape. */
export function cronInWords(cron: string): string {
  const text = cron.trim();
  const nick: Record<string, string> = {
    '@hourly': 'every hour',
    '@daily': 'every day at 00:00',
    '@midnight': 'every day at 00:00',
    '@weekly': 'every Sunday at 00:00',
    '@monthly': 'on day 1 of every month at 00:00',
    '@yearly': 'every 1 January at 00:00',
    '@annually': 'every 1 January at 00:00',
  };
  if (nick[text.toLowerCase()]) return nick[text.toLowerCase()]!;
  const f = text.split(/\s+/);
  if (f.length !== 5) return text;
  const [min, hour, dom, mon, dow] = f as [string, string, string, string, string];
  const num = /^\d{1,2}$/;
  if (min === '*' && hour === '*' && dom === '*' && mon === '*' && dow === '*') return 'every minute';
  const step = /^\*\/(\d+)$/.exec(min);
  if (step && hour === '*' && dom === '*' && mon === '*' && dow === '*') return `every ${step[1]} minutes`;
  if (num.test(min) && hour === '*' && dom === '*' && mon === '*' && dow === '*') return `every hour at :${pad(min)}`;
  if (!num.test(min) || !num.test(hour) || mon !== '*') return text;
  const at = `at ${pad(hour)}:${pad(min)}`;
  if (dom === '*' && dow === '*') return `every day ${at}`;
  if (dom === '*' && (dow === '1-5' || dow.toUpperCase() === 'MON-FRI')) return `weekdays ${at}`;
  if (dom === '*' && /^[0-6]$/.test(dow)) return `every ${DAYS[Number(dow)]} ${at}`;
  if (num.test(dom) && dow === '*') return `on day ${Number(dom)} of every month ${at}`;
  return text;
}

/** When the next run is: `disabled`, or the time. */
export function nextRunText(schedule: Pick<Schedule, 'enabled' | 'nextRunAt'>, format: (iso: string) => string) {
  if (!schedule.enabled || schedule.nextRunAt === null) return 'disabled';
  return format(schedule.nextRunAt);
}

/** What came of a run: the execution's status when one was created, else the outcome. */
export function runResult(run: Pick<ScheduleRun, 'outcome' | 'status'>): string {
  if (run.outcome === 'queued') return run.status ?? 'queued';
  return run.outcome;
}

export interface ScheduleForm {
  name: string;
  cron: string;
  timezone: string;
  kind: 'agent' | 'prompt';
  agent: string;
  /** One `name=value` a line. */
  inputs: string;
  prompt: string;
  overlap: 'skip' | 'queue' | 'cancel-previous';
  quietStart: string;
  quietEnd: string;
  maxRunsPerDay: string;
  missed: 'run-once' | 'skip';
  enabled: boolean;
}

export const emptyForm = (): ScheduleForm => ({
  name: '',
  cron: '0 7 * * *',
  timezone: 'UTC',
  kind: 'prompt',
  agent: '',
  inputs: '',
  prompt: '',
  overlap: 'skip',
  quietStart: '',
  quietEnd: '',
  maxRunsPerDay: '',
  missed: 'skip',
  enabled: true,
});

export type FormResult =
  { ok: true; body: { name: string; cron: string } & Record<string, unknown> } | { ok: false; error: string };

/** The POST body of the form, or the first fault it can name itself (the API checks the cron and the template). */
export function scheduleBodyOf(form: ScheduleForm): FormResult {
  const name = form.name.trim();
  if (name === '') return { ok: false, error: 'Give the schedule a name.' };
  if (form.cron.trim() === '') return { ok: false, error: 'Give a cron, such as 0 7 * * *.' };
  const body: { name: string; cron: string } & Record<string, unknown> = {
    name,
    cron: form.cron.trim(),
    timezone: form.timezone.trim() || 'UTC',
    overlap: form.overlap,
    missed: form.missed,
    enabled: form.enabled,
  };
  if (form.kind === 'agent') {
    if (form.agent === '') return { ok: false, error: 'Pick an agent template.' };
    body.agent = form.agent;
    const inputs: Record<string, string> = {};
    for (const line of form.inputs
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      const at = line.indexOf('=');
      if (at <= 0) return { ok: false, error: `Input "${line}": write it as name=value.` };
      inputs[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    if (Object.keys(inputs).length > 0) body.inputs = inputs;
  } else {
    if (form.prompt.trim() === '') return { ok: false, error: 'Write the prompt the schedule runs.' };
    body.prompt = form.prompt.trim();
  }
  if ((form.quietStart === '') !== (form.quietEnd === '')) {
    return { ok: false, error: 'Quiet hours need both a start and an end.' };
  }
  if (form.quietStart !== '') body.quietHours = { start: form.quietStart, end: form.quietEnd };
  if (form.maxRunsPerDay.trim() !== '') {
    const n = Number(form.maxRunsPerDay);
    if (!Number.isInteger(n) || n < 1) return { ok: false, error: 'Max runs a day is a whole number, 1 or more.' };
    body.maxRunsPerDay = n;
  }
  return { ok: true, body };
}
