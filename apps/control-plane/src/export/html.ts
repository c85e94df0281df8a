// The HTML rendering of an export bundle: ONE self-contained file (inline CSS, no scripts, no external resources),
// readable on a phone (viewport meta, wrapping pre blocks) in light and dark (prefers-color-scheme). Every piece of
// content goes through `esc`, so an agent's `<script>` is text. Pure; used by the export route.
import type { ExportBundle, TranscriptEntry } from '../protocol';
import { costCells, costColumns, facts, title, toolInput, usd, when } from './render-common';

/** The document's own policy (the route sends the same as a header): styles inline, nothing else at all. */
export const EXPORT_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export const esc = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--box:#f6f8fa;--add:#1a7f37;
--del:#cf222e;--addbg:#dafbe1;--delbg:#ffebe9;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--box:#161b22;
--add:#3fb950;--del:#f85149;--addbg:#12261e;--delbg:#25171c;--accent:#4493f8}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:60rem;padding:1rem;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem}
pre{white-space:pre-wrap;word-break:break-word;background:var(--box);border:1px solid var(--line);border-radius:6px;
padding:.6rem;margin:.4rem 0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
table{border-collapse:collapse;width:100%;font-size:.9rem;display:block;overflow-x:auto}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0}
blockquote{margin:.4rem 0;padding:.1rem .8rem;border-left:3px solid var(--accent);white-space:pre-wrap}
.entry{margin:1rem 0}.meta{color:var(--muted);font-size:.85rem}.note{color:var(--muted);font-style:italic}
.error{color:var(--del)}.add{color:var(--add);background:var(--addbg)}.del{color:var(--del);background:var(--delbg)}
.hunk{color:var(--accent)}.truncated{border:1px solid var(--del);padding:.6rem;border-radius:6px}
`;

const pre = (text: string, cls = ''): string => `<pre${cls ? ` class="${cls}"` : ''}>${esc(text)}</pre>`;
const meta = (text: string): string => `<div class="meta">${esc(text)}</div>`;
const note = (text: string): string => `<p class="note">${esc(text)}</p>`;

function table(head: readonly string[], rows: string[][]): string {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** The patch with added, removed and hunk lines marked, each line escaped. */
function diff(text: string): string {
  const lines = text.split('\n').map((line) => {
    const cls = line.startsWith('@@')
      ? 'hunk'
      : line.startsWith('+') && !line.startsWith('+++')
        ? 'add'
        : line.startsWith('-') && !line.startsWith('---')
          ? 'del'
          : '';
    return cls ? `<span class="${cls}">${esc(line)}</span>` : esc(line);
  });
  return `<pre>${lines.join('\n')}</pre>`;
}

function entry(e: TranscriptEntry): string {
  const at = when(e.ts);
  switch (e.type) {
    case 'text':
      return `<div class="entry">${meta(`Claude · ${at}`)}<blockquote>${esc(e.text)}</blockquote></div>`;
    case 'thinking':
      return `<div class="entry">${meta(`Thinking · ${at}`)}<blockquote class="note">${esc(e.text)}</blockquote></div>`;
    case 'tool': {
      const input = toolInput(e.name, e.input);
      const parts = [meta(`Tool call: ${e.name ?? 'unknown tool'} · ${at}`)];
      if (e.name !== null) parts.push(pre(input.text));
      if (e.result === null) parts.push(note('No result recorded.'));
      else {
        const label = `${e.result.isError ? 'Result (error)' : 'Result'}${e.result.truncated ? ' (truncated by the runner)' : ''}`;
        parts.push(meta(label), pre(e.result.content, e.result.isError ? 'error' : ''));
      }
      return `<div class="entry">${parts.join('')}</div>`;
    }
    case 'status':
      return `<div class="entry">${meta(`Status: ${e.status}${e.reason ? ` (${e.reason})` : ''} · ${at}`)}</div>`;
    case 'approval': {
      const what = e.status === 'requested' ? `Approval requested for ${e.tool ?? 'a tool'}` : `Approval ${e.status}`;
      const detail = e.summary ?? e.message;
      return `<div class="entry">${meta(`${what} · ${at}`)}${detail ? pre(detail) : ''}</div>`;
    }
    case 'alert':
      return `<div class="entry">${meta(`Budget ${e.level} limit (${e.scope}): ${usd(e.spentUsd)} of ${usd(e.limitUsd)} · ${at}`)}</div>`;
    case 'log':
      return `<div class="entry">${meta(`Log (${e.level}) · ${at}`)}${pre(e.message, e.level === 'error' ? 'error' : '')}</div>`;
  }
}

function section(id: string, heading: string, body: string): string {
  return `<section aria-labelledby="${id}"><h2 id="${id}">${esc(heading)}</h2>${body}</section>`;
}

export function renderHtml(bundle: ExportBundle): string {
  const { execution, transcript, patch, git, costs, approvals, result } = bundle;
  const dl = facts(bundle)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  const parts = [`<h1>${esc(title(bundle))}</h1><dl>${dl}</dl>`, section('prompt', 'Prompt', pre(execution.prompt))];

  if (bundle.attempts.length > 1) {
    const rows = bundle.attempts.map((a) => [String(a.attempt), a.id, a.status, when(a.createdAt)]);
    parts.push(section('attempts', 'Attempts', table(['Attempt', 'Execution', 'Status', 'Created'], rows)));
  }

  let resultBody = note('No result yet.');
  if (result !== null) {
    resultBody =
      `<p>${esc(`${result.isError ? 'Failed' : 'Finished'} (${result.subtype}) after ${result.numTurns} turns, ` + `${(result.durationMs / 1000).toFixed(1)} s; Claude Code's cost ${usd(result.totalCostUsd)}.`)}</p>` +
      (result.text ? `<blockquote>${esc(result.text)}</blockquote>` : '') +
      (result.structured === undefined
        ? ''
        : `<h3>Structured result</h3>${pre(JSON.stringify(result.structured, null, 2) ?? 'null')}`);
  }
  parts.push(section('result', 'Result', resultBody));

  const costBody =
    costs.models.length === 0
      ? `<p>${esc(`Total ${usd(costs.totalUsd)}; no per-model costs recorded.`)}</p>`
      : `<p>${esc(`Total ${usd(costs.totalUsd)}.`)}</p>${table(costColumns, costs.models.map(costCells))}`;
  parts.push(section('costs', 'Costs', costBody));

  const approvalRows = approvals.map((a) => [
    `${a.tool}: ${a.summary}`,
    when(a.createdAt),
    a.decision ? `${a.status} (${a.decision})` : a.status,
    a.decidedBy ?? '—',
    a.message ?? a.reason ?? '',
  ]);
  parts.push(
    section(
      'approvals',
      'Approvals',
      approvals.length === 0
        ? note('None asked for.')
        : table(['Tool', 'Asked', 'Status', 'Decided by', 'Message'], approvalRows) +
            (bundle.approvalsTruncated ? note(`Only the first ${approvals.length} approvals are listed.`) : ''),
    ),
  );

  const changes: string[] = [];
  if (git?.commit) {
    changes.push(
      `<p>${esc(`Committed ${git.commit.slice(0, 12)} on ${git.branch}: ${git.files.length} files, +${git.insertions} −${git.deletions}.`)}</p>`,
    );
  }
  if (patch === null) changes.push(note('No patch.'));
  else {
    if (patch.truncated) changes.push(note('The runner cut this patch at its size cap.'));
    changes.push(diff(patch.text));
  }
  parts.push(section('changes', 'Changes', changes.join('')));

  const steps = transcript.entries.length === 0 ? note('No events recorded.') : transcript.entries.map(entry).join('');
  const cut = transcript.truncated ? `<p class="truncated"><strong>${esc(transcript.truncated.note)}</strong></p>` : '';
  parts.push(section('transcript', 'Transcript', steps + cut));

  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${esc(EXPORT_HTML_CSP)}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light dark">` +
    `<title>${esc(`${title(bundle)} · ClaudeOps export`)}</title><style>${CSS}</style></head>` +
    `<body><main>${parts.join('\n')}</main></body></html>\n`
  );
}
