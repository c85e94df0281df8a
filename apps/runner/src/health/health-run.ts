// The system-health-reporter's runner side (used by the job execution): whether Claude Code can be asked at all (model
// credentials), the host snapshot handed to Claude in the prompt, and the `result` the run records (Claude's analysis
// merged with the snapshot, or the snapshot alone when the analysis was skipped).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventData, HealthAnalysis, HealthReport, HostSnapshot } from '@claudeops/control-plane/protocol';
import { RESULT_TEXT_BYTES, truncateText } from '../agent/agent-events';
import { formatBytes, renderHealthMarkdown } from './health-report-markdown';

export const NO_CREDENTIALS_REASON = 'the runner has no model credentials';

const isSet = (value: string | undefined) => !!value && value !== '0' && value.toLowerCase() !== 'false';

/**
 * Whether Claude Code on this runner could reach a model: an API key or token, a cloud provider switched on, or a
 * login's credentials file (`~/.claude/.credentials.json`, or under CLAUDE_CONFIG_DIR).
 */
export function hasModelCredentials(
  env: Record<string, string | undefined>,
  fileExists: (path: string) => boolean = existsSync,
): boolean {
  if (['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'].some((name) => env[name])) return true;
  if (['CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'].some((n) => isSet(env[n]))) {
    return true;
  }
  const configDir = env.CLAUDE_CONFIG_DIR || (env.HOME ? join(env.HOME, '.claude') : undefined);
  return configDir !== undefined && fileExists(join(configDir, '.credentials.json'));
}

/** A few lines a person (and Claude) reads first. */
export function snapshotSummary(s: HostSnapshot): string {
  const fullest = [...s.disks].sort((a, b) => b.usePercent - a.usePercent)[0];
  return [
    `${s.hostname}: CPU ${s.cpu.loadPercent}% busy (load ${s.cpu.loadAverage.join(' / ')} on ${s.cpu.cores} cores)`,
    `memory ${formatBytes(s.memory.usedBytes)} of ${formatBytes(s.memory.totalBytes)} used`,
    fullest ? `fullest disk ${fullest.mount} at ${fullest.usePercent}%` : 'no disks found',
    `${s.gpus.length} GPU${s.gpus.length === 1 ? '' : 's'}`,
  ].join('; ');
}

export function promptWithSnapshot(prompt: string, snapshot: HostSnapshot): string {
  return (
    `${prompt}\n\n## Host snapshot\n\n${snapshotSummary(snapshot)}\n\n` +
    `The full snapshot, collected by the ClaudeOps runner just now:\n\n\`\`\`json\n${JSON.stringify(snapshot, null, 2)}\n\`\`\`\n`
  );
}

const reportText = (report: HealthReport) => truncateText(renderHealthMarkdown(report), RESULT_TEXT_BYTES).text;

/** The result of a run that never started Claude Code: the snapshot, and plainly why nothing analysed it. */
export function skippedResult(snapshot: HostSnapshot, durationMs: number, sessionId: string): EventData<'result'> {
  const report: HealthReport = {
    kind: 'health-report',
    analysis: 'skipped',
    skippedReason: `${NO_CREDENTIALS_REASON[0]!.toUpperCase()}${NO_CREDENTIALS_REASON.slice(1)}: Claude Code was not started.`,
    snapshot,
  };
  return {
    subtype: 'success',
    isError: false,
    text: reportText(report),
    totalCostUsd: 0,
    numTurns: 0,
    durationMs: Math.max(0, durationMs),
    sessionId,
    structured: report,
  };
}

/** Claude Code's result with its analysis merged with the snapshot into a HealthReport, and rendered as its text. */
export function analysedResult(
  result: EventData<'result'>,
  analysis: HealthAnalysis,
  snapshot: HostSnapshot,
): EventData<'result'> {
  const report: HealthReport = { kind: 'health-report', analysis: 'claude', ...analysis, snapshot };
  return { ...result, text: reportText(report), structured: report };
}
