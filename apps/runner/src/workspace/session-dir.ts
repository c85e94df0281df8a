// Where Claude Code keeps a conversation's sessions on this runner: <workspacesDir>/.sessions/<workspace owner>/claude,
// the CLAUDE_CONFIG_DIR of every run in that workspace (sandboxed or not), so a follow-up, which runs in the same
// workspace, resumes the session its first execution began. Beside it (out of Claude Code's reach) the runner notes
// each session's last reported total cost: a resumed session reports the earlier runs' cost again in its total.
// Removed with its workspace (worktree-cleanup.ts). Used by job-execution.ts, workspace.ts and worktree-cleanup.ts.
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** The folder of every conversation's Claude Code config dir, inside the workspaces dir (hidden from every run). */
export const SESSIONS_DIR_NAME = '.sessions';

export const sessionsDir = (workspacesDir: string): string => join(workspacesDir, SESSIONS_DIR_NAME);

/** Everything the runner keeps for the conversation whose workspace is execution `owner`'s. */
export const conversationDirFor = (workspacesDir: string, owner: string): string =>
  join(sessionsDir(workspacesDir), owner);

/** The Claude Code config dir of the workspace of execution `owner` (its own, or the one a follow-up reuses). */
export const sessionDirFor = (workspacesDir: string, owner: string): string =>
  join(conversationDirFor(workspacesDir, owner), 'claude');

const COSTS_FILE = 'session-costs.json';
/** Sessions whose cost is remembered per conversation (the newest). */
const MAX_REMEMBERED = 100;
const SessionCosts = z.record(z.string(), z.number().finite().min(0));
const costsFile = (sessionDir: string) => join(dirname(sessionDir), COSTS_FILE);

async function readCosts(sessionDir: string): Promise<Record<string, number>> {
  const text = await readFile(costsFile(sessionDir), 'utf8').catch(() => null);
  if (text === null) return {};
  try {
    return SessionCosts.parse(JSON.parse(text));
  } catch {
    return {};
  }
}

/** The total cost Claude Code last reported for `sessionId` here (what it counts again when resuming); 0 if none. */
export async function sessionCost(sessionDir: string, sessionId: string): Promise<number> {
  return (await readCosts(sessionDir))[sessionId] ?? 0;
}

/** Notes the total cost Claude Code reported last for `sessionId` (written aside and renamed: never half a file). */
export async function recordSessionCost(sessionDir: string, sessionId: string, totalCostUsd: number): Promise<void> {
  const costs = await readCosts(sessionDir);
  delete costs[sessionId];
  costs[sessionId] = Math.max(0, totalCostUsd);
  const kept = Object.fromEntries(Object.entries(costs).slice(-MAX_REMEMBERED));
  const file = costsFile(sessionDir);
  await writeFile(`${file}.tmp`, JSON.stringify(kept), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** Claude Code's session ids are UUIDs; anything else never names a file here. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/**
 * Whether Claude Code's session `sessionId` is stored under `configDir`: Claude Code writes each session to
 * projects/<its cwd, made a file name>/<session id>.jsonl.
 */
export async function hasClaudeSession(configDir: string, sessionId: string): Promise<boolean> {
  if (!SESSION_ID.test(sessionId)) return false;
  const projects = join(configDir, 'projects');
  const names = await readdir(projects).catch(() => [] as string[]);
  for (const name of names) {
    const info = await stat(join(projects, name, `${sessionId}.jsonl`)).catch(() => null);
    if (info?.isFile()) return true;
  }
  return false;
}
