// What the Markdown and HTML renderings of an export bundle share: figures, times and how a tool call's input reads.
// Pure; used by export/markdown.ts and export/html.ts.
import type { ExportBundle, ExportCost } from '../protocol';

export const usd = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : `$${value.toFixed(value !== 0 && Math.abs(value) < 1 ? 4 : 2)}`;

export const tokens = (value: number): string => value.toLocaleString('en-US');

/** `2026-12-03 12:51:00 UTC` */
export const when = (iso: string | null | undefined): string =>
  iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '—';

/** The input of a tool call as a reader wants it: a Bash command as the command, anything else as indented JSON. */
export function toolInput(name: string | null, input: unknown): { text: string; lang: string } {
  if (name === 'Bash' && typeof input === 'object' && input !== null) {
    const command = (input as { command?: unknown }).command;
    if (typeof command === 'string') return { text: command, lang: 'sh' };
  }
  return { text: JSON.stringify(input ?? null, null, 2) ?? 'null', lang: 'json' };
}

export const costColumns = ['Model', 'Input', 'Output', 'Cache read', 'Cache write', 'Cost'] as const;

export const costCells = (row: ExportCost): string[] => [
  row.model + (row.estimated ? ' (estimated)' : ''),
  tokens(row.inputTokens),
  tokens(row.outputTokens),
  tokens(row.cacheReadInputTokens),
  tokens(row.cacheCreation5mInputTokens + row.cacheCreation1hInputTokens),
  usd(row.costUsd),
];

/** The facts at the head of the document, label and value. */
export function facts(bundle: ExportBundle): Array<[string, string]> {
  const e = bundle.execution;
  const rows: Array<[string, string | null]> = [
    ['Execution', e.id],
    ['Status', e.statusReason ? `${e.status} (${e.statusReason})` : e.status],
    ['Agent', e.agent],
    ['Model', e.model],
    ['Runner', e.runnerId],
    ['Repository', e.repo === null ? null : `${e.repo}${e.ref ? ` @ ${e.ref}` : ''}`],
    ['Labels', e.labels.length > 0 ? e.labels.join(', ') : null],
    ['Attempt', `${e.attempt} of ${e.maxAttempts}`],
    ['Created', when(e.createdAt)],
    ['Started', e.startedAt ? when(e.startedAt) : null],
    ['Finished', e.finishedAt ? when(e.finishedAt) : null],
    ['Cost', usd(bundle.costs.totalUsd)],
    ['Exported', when(bundle.exportedAt)],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== null);
}

/** The first line of the prompt, for a title. */
export const title = (bundle: ExportBundle): string => {
  const first = bundle.execution.prompt.trim().split('\n', 1)[0] ?? '';
  return first.length > 80 ? `${first.slice(0, 79)}…` : first || bundle.execution.id;
};
