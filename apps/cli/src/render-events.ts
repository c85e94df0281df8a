// Human rendering of execution events for `logs` and `run -f`: Claude's text as it is, tool calls and results on
// one marked line each, usage and cost, approvals, status. Pure: an event and a painter in, lines out.
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import type { Paint } from './output';

const RESULT_LINES = 6;
const LINE_CHARS = 200;

const clip = (text: string, max = LINE_CHARS) => (text.length > max ? text.slice(0, max - 1) + '…' : text);
export const usd = (value: number) => `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;

/** The part of a tool's input a person reads first: the command, the file, the pattern, else the JSON. */
export function toolInputSummary(input: unknown): string {
  if (input && typeof input === 'object') {
    const record = input as Record<string, unknown>;
    for (const key of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description']) {
      const value = record[key];
      if (typeof value === 'string' && value !== '') return clip(value.replace(/\s*\n\s*/g, ' ⏎ '));
    }
  }
  return clip(JSON.stringify(input) ?? '');
}

/** The lines one event prints (none for events only the status line shows). */
export function renderEvent(event: ExecutionEvent, paint: Paint): string[] {
  switch (event.type) {
    case 'assistant.text':
      return event.data.text.split('\n');
    case 'assistant.thinking':
      return event.data.text.split('\n').map((line) => paint('dim', `(thinking) ${line}`));
    case 'tool.call':
      return [paint('cyan', `→ ${event.data.name}: ${toolInputSummary(event.data.input)}`)];
    case 'tool.result': {
      const lines = event.data.content.split('\n').filter((line) => line.trim() !== '');
      const shown = lines.slice(0, RESULT_LINES).map((line) => `  ${clip(line)}`);
      if (lines.length > RESULT_LINES) shown.push(`  … ${lines.length - RESULT_LINES} more lines`);
      const head = event.data.isError ? paint('red', '← error') : paint('dim', '← result');
      return [head + (shown.length === 0 ? ' (empty)' : ''), ...shown.map((line) => paint('dim', line))];
    }
    case 'usage': {
      const d = event.data;
      const cost = d.costUsd === undefined ? '' : `, ${usd(d.costUsd)}${d.estimated ? ' (estimated)' : ''}`;
      const total = d.totalCostUsd === undefined ? '' : `, total ${usd(d.totalCostUsd)}`;
      const cache = d.cacheReadInputTokens + d.cacheCreationInputTokens;
      return [
        paint(
          'dim',
          `· usage ${d.model}: ${d.inputTokens} in, ${d.outputTokens} out${cache ? `, ${cache} cache` : ''}${cost}${total}`,
        ),
      ];
    }
    case 'status': {
      const d = event.data;
      const until = d.resumeAt === undefined ? '' : ` (resumes at ${d.resumeAt})`;
      return [paint('bold', `[${d.status}]${d.reason ? ` ${d.reason}` : ''}${until}`)];
    }
    case 'result': {
      const d = event.data;
      const head = `[result] ${d.subtype}: ${usd(d.chargedUsd ?? d.totalCostUsd)}, ${d.numTurns} turns, ${(d.durationMs / 1000).toFixed(1)} s`;
      const lines = [paint(d.isError ? 'red' : 'green', head)];
      if (d.costWarning) lines.push(paint('yellow', `  ${d.costWarning}`));
      if (d.structured !== undefined) lines.push(...JSON.stringify(d.structured, null, 2).split('\n'));
      return lines;
    }
    case 'approval.requested':
      return [
        paint('yellow', `[approval ${event.data.approvalId}] ${event.data.tool} wants: ${event.data.pattern}`),
        ...event.data.summary
          .split('\n')
          .slice(0, RESULT_LINES)
          .map((line) => `  ${clip(line)}`),
      ];
    case 'approval.decided': {
      const d = event.data;
      const why = d.message ?? d.reason;
      return [paint('yellow', `[approval ${d.approvalId}] ${d.status} by ${d.decidedBy}${why ? `: ${why}` : ''}`)];
    }
    case 'budget.alert': {
      const d = event.data;
      return [
        paint(
          d.level === 'hard' ? 'red' : 'yellow',
          `[budget ${d.scope}] ${d.level} limit ${usd(d.limitUsd)} reached: ${usd(d.spentUsd)} spent`,
        ),
      ];
    }
    case 'git': {
      const d = event.data;
      if (d.commit === null) return [paint('dim', `[git] no changes on ${d.branch}`)];
      return [`[git] ${d.branch} ${d.commit.slice(0, 12)}: ${d.files.length} files, +${d.insertions} -${d.deletions}`];
    }
    case 'log': {
      const style = event.data.level === 'error' ? 'red' : event.data.level === 'warn' ? 'yellow' : 'dim';
      return event.data.message.split('\n').map((line) => paint(style, `[${event.data.level}] ${line}`));
    }
    case 'system.init':
      return [paint('dim', `[init] ${event.data.model} in ${event.data.cwd}`)];
    case 'host.snapshot':
      return [paint('dim', '[host] snapshot taken')];
    case 'user.message':
      return [paint('bold', `[you] ${event.data.from}:`), ...event.data.text.split('\n').map((line) => `  ${line}`)];
    case 'git.push': {
      const d = event.data;
      return d.ok
        ? [`[git] pushed ${d.branch}${d.commit ? ` at ${d.commit.slice(0, 12)}` : ''}`]
        : [paint('red', `[git] pushing ${d.branch} failed: ${d.error ?? 'unknown error'}`)];
    }
    case 'check': {
      const d = event.data;
      const ok = d.exitCode === 0;
      const how = d.timedOut
        ? 'timed out'
        : d.exitCode === null
          ? `killed (${d.signal ?? 'signal'})`
          : `exit ${d.exitCode}`;
      const head = paint(ok ? 'green' : 'red', `[check] ${d.command}: ${how}, ${(d.durationMs / 1000).toFixed(1)} s`);
      if (ok) return [head];
      const tail = d.outputTail
        .split('\n')
        .filter((line) => line.trim() !== '')
        .slice(-RESULT_LINES);
      return [head, ...tail.map((line) => paint('dim', `  ${clip(line)}`))];
    }
    case 'review': {
      const d = event.data;
      const score =
        d.verdict === null
          ? `no verdict (${d.problem ?? 'unknown'})`
          : `${d.verdict.verdict}, confidence ${d.verdict.confidence.toFixed(2)}`;
      const style = d.outcome === 'pass' ? 'green' : d.outcome === 'report' ? 'dim' : 'yellow';
      const lines = [paint(style, `[review] ${score} → ${d.outcome}: ${d.reason}`)];
      if (d.verdict !== null && d.verdict.summary !== '') lines.push(`  ${clip(d.verdict.summary)}`);
      for (const f of d.verdict?.findings ?? []) {
        const where = f.file === undefined ? '' : ` ${f.file}${f.line === undefined ? '' : `:${f.line}`}`;
        lines.push(paint('dim', `  - [${f.severity}]${where} ${clip(f.message)}`));
      }
      return lines;
    }
    case 'checkpoint': {
      const d = event.data;
      return [paint('dim', `[checkpoint ${d.n}] ${d.files.length} files, +${d.insertions} -${d.deletions}`)];
    }
  }
}
