// Display formatting shared by the dashboard's pages: money, times, durations, token counts, prompt titles.

/** Costs in US dollars: cents are too coarse for a single run, so small amounts keep four decimals. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '—';
  if (usd === 0) return '$0.00';
  if (Math.abs(usd) < 1) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How long between two ISO times; an open interval runs until `now`. */
export function elapsed(fromIso: string | null, toIso: string | null, now = Date.now()): string {
  if (!fromIso) return '—';
  const end = toIso ? Date.parse(toIso) : now;
  return formatDuration(end - Date.parse(fromIso));
}

// Formatters made once: toLocale*String with options builds a new Intl.DateTimeFormat on every call, which shows
// on a page that formats a time per row or per render. Same output (the same locale and options).
let dayFormat: Intl.DateTimeFormat | undefined;
let timeFormat: Intl.DateTimeFormat | undefined;

/** "12 s ago", "5 min ago", "3 h ago", then the date. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const diff = Math.max(0, now - Date.parse(iso)) / 1000;
  if (diff < 10) return 'just now';
  if (diff < 60) return `${Math.floor(diff)} s ago`;
  if (diff < 3600) return `${Math.floor(diff / 60)} min ago`;
  if (diff < 86_400) return `${Math.floor(diff / 3600)} h ago`;
  dayFormat ??= new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  return dayFormat.format(new Date(iso));
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  timeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  return timeFormat.format(new Date(iso));
}

let clock: Intl.DateTimeFormat | undefined;

/**
 * The time of day as `toLocaleTimeString(undefined, { hour12: false })` says it, through one shared formatter: each
 * toLocaleTimeString with options builds a new one, which a log of hundreds of rows pays for on every render.
 */
export function clockTime(iso: string): string {
  clock ??= new Intl.DateTimeFormat(undefined, {
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hour12: false,
  });
  return clock.format(new Date(iso));
}

export function formatTokens(count: number): string {
  return count < 1000 ? String(count) : `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
}

/** The first line of a prompt, shortened for a list row. */
export function promptTitle(prompt: string, max = 120): string {
  const line = prompt.trim().split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * What names an execution in a list or a heading: a template run by its template and inputs ("bug-fixer: sum(2, 3)
 * returns -1 · https://…"), since its prompt opens with the template's boilerplate; any other by its prompt.
 */
export function executionTitle(
  execution: { prompt: string; agent: string; inputs: Record<string, string> | null },
  max = 120,
): string {
  if (execution.agent === 'default' || execution.inputs === null) return promptTitle(execution.prompt, max);
  const values = Object.values(execution.inputs)
    .map((value) => value.trim().split('\n', 1)[0] ?? '')
    .filter((value) => value !== '');
  return promptTitle(values.length > 0 ? `${execution.agent}: ${values.join(' · ')}` : execution.agent, max);
}
