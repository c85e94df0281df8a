// Where Claude Code keeps a conversation's sessions on this runner: <workspacesDir>/.sessions/<workspace owner>, the
// CLAUDE_CONFIG_DIR of every run in that workspace (sandboxed or not), so a follow-up, which runs in the same
// workspace, resumes the session its first execution began. Removed with its workspace (worktree-cleanup.ts). Used
// by job-execution.ts, workspace.ts and worktree-cleanup.ts.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The folder of every conversation's Claude Code config dir, inside the workspaces dir (hidden from every run). */
export const SESSIONS_DIR_NAME = '.sessions';

export const sessionsDir = (workspacesDir: string): string => join(workspacesDir, SESSIONS_DIR_NAME);

/** The Claude Code config dir of the workspace of execution `owner` (its own, or the one a follow-up reuses). */
export const sessionDirFor = (workspacesDir: string, owner: string): string => join(sessionsDir(workspacesDir), owner);

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
