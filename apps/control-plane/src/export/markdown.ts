// The Markdown rendering of an export bundle: a heading per section, Claude's text as quotes, tool calls and results
// as fenced blocks, the patch as a ```diff block. Content never breaks out of its block: a fence is longer than any
// run of backticks inside it, and prose is quoted with HTML's specials escaped. Pure; used by the export route.
import type { ExportBundle, TranscriptEntry } from '../protocol';
import { costCells, costColumns, facts, title, toolInput, usd, when } from './render-common';

/** A fenced code block that `text` cannot close: its fence is longer than the longest backtick run in it. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

/** Prose that renders as the text it is: HTML specials escaped, so a `<script>` in it is only shown, and brackets
 * escaped, so no link or remote image (`![x](https://…)`) of the agent's becomes live in a Markdown viewer. */
export const prose = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/[[\]]/g, (bracket) => `\\${bracket}`);

/** Quoted prose: a blockquote closes every block inside it, so an unclosed fence in Claude's text stays there. */
export const quote = (text: string): string =>
  prose(text)
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');

/** Text for a table cell: on one line, pipes escaped. */
const cell = (text: string): string =>
  prose(text)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');

function table(head: readonly string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`]
    .concat(rows.map((row) => `| ${row.map(cell).join(' | ')} |`))
    .join('\n');
}

function entry(e: TranscriptEntry): string {
  switch (e.type) {
    case 'text':
      return `**Claude** · ${when(e.ts)}\n\n${quote(e.text)}`;
    case 'thinking':
      return `*Thinking* · ${when(e.ts)}\n\n${quote(e.text)}`;
    case 'tool': {
      const input = toolInput(e.name, e.input);
      const parts = [`**Tool call: ${prose(e.name ?? 'unknown tool')}** · ${when(e.ts)}`];
      if (e.name !== null) parts.push(fenced(input.text, input.lang));
      if (e.result === null) parts.push('*No result recorded.*');
      else {
        const label = e.result.isError ? 'Result (error)' : 'Result';
        parts.push(`${label}${e.result.truncated ? ' (truncated by the runner)' : ''}:`, fenced(e.result.content));
      }
      return parts.join('\n\n');
    }
    case 'status':
      return `*Status: ${e.status}${e.reason ? ` (${prose(e.reason)})` : ''}* · ${when(e.ts)}`;
    case 'approval': {
      const what =
        e.status === 'requested' ? `approval requested for ${prose(e.tool ?? 'a tool')}` : `approval ${e.status}`;
      const detail = e.summary ?? e.message;
      return `*${what[0]!.toUpperCase()}${what.slice(1)}* · ${when(e.ts)}${detail ? `\n\n${quote(detail)}` : ''}`;
    }
    case 'alert':
      return `*Budget ${e.level} limit (${e.scope}): ${usd(e.spentUsd)} of ${usd(e.limitUsd)}* · ${when(e.ts)}`;
    case 'log':
      return `*Log (${e.level})* · ${when(e.ts)}\n\n${fenced(e.message)}`;
  }
}

export function renderMarkdown(bundle: ExportBundle): string {
  const { execution, transcript, patch, git, costs, approvals, result } = bundle;
  const out: string[] = [
    `# ${prose(title(bundle))}`,
    table(['Field', 'Value'], facts(bundle)),
    '## Prompt',
    quote(execution.prompt),
  ];

  if (bundle.attempts.length > 1) {
    out.push(
      '## Attempts',
      table(
        ['Attempt', 'Execution', 'Status', 'Created'],
        bundle.attempts.map((a) => [String(a.attempt), a.id, a.status, when(a.createdAt)]),
      ),
    );
  }

  out.push('## Result');
  if (result === null) out.push('*No result yet.*');
  else {
    out.push(
      `${result.isError ? 'Failed' : 'Finished'} (${prose(result.subtype)}) after ${result.numTurns} turns, ` +
        `${(result.durationMs / 1000).toFixed(1)} s; Claude Code's cost ${usd(result.totalCostUsd)}.`,
    );
    if (result.text) out.push(quote(result.text));
    if (result.structured !== undefined) {
      out.push('### Structured result', fenced(JSON.stringify(result.structured, null, 2) ?? 'null', 'json'));
    }
  }

  out.push('## Costs');
  if (costs.models.length === 0) out.push(`Total ${usd(costs.totalUsd)}; no per-model costs recorded.`);
  else out.push(`Total ${usd(costs.totalUsd)}.`, table(costColumns, costs.models.map(costCells)));

  out.push('## Approvals');
  if (approvals.length === 0) out.push('*None asked for.*');
  else {
    out.push(
      table(
        ['Tool', 'Asked', 'Status', 'Decided by', 'Message'],
        approvals.map((a) => [
          `${a.tool}: ${a.summary}`,
          when(a.createdAt),
          a.decision ? `${a.status} (${a.decision})` : a.status,
          a.decidedBy ?? '—',
          a.message ?? a.reason ?? '',
        ]),
      ),
    );
    if (bundle.approvalsTruncated) out.push(`*Only the first ${approvals.length} approvals are listed.*`);
  }

  out.push('## Changes');
  if (git?.commit) {
    out.push(
      `Committed \`${git.commit.slice(0, 12)}\` on \`${git.branch}\`: ${git.files.length} files, ` +
        `+${git.insertions} −${git.deletions}.`,
    );
  }
  if (patch === null) out.push('*No patch.*');
  else {
    if (patch.truncated) out.push('*The runner cut this patch at its size cap.*');
    out.push(fenced(patch.text, 'diff'));
  }

  out.push('## Transcript');
  if (transcript.entries.length === 0) out.push('*No events recorded.*');
  for (const e of transcript.entries) out.push(entry(e));
  if (transcript.truncated) out.push(`> **${prose(transcript.truncated.note)}**`);

  return `${out.join('\n\n')}\n`;
}
