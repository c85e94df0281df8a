// Ends every process of one Claude Code run (used by agent.ts): the CLI's own process group, plus tool processes that
// left it (Claude Code's Bash tool starts each command in a new session), found by an environment cookie that every
// descendant inherits, the way Jenkins' ProcessTreeKiller finds a build's strays.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** Set in Claude Code's environment; its value is unique to one run. */
export const RUN_COOKIE_ENV = 'CLAUDEOPS_RUN_COOKIE';

export interface RunProcesses {
  /** Claude Code's PID, which is also its process group id (it is spawned detached). */
  pgid: number;
  cookie: string;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

/** State and process group from /proc/PID/stat (the command name in parentheses may contain spaces). */
function parseStat(stat: string): { state: string; pgrp: number } | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp] = fields;
  return state && pgrp ? { state, pgrp: Number(pgrp) } : null;
}

/** Live (not zombie) processes of the run. Linux reads /proc; elsewhere only the process group can be seen. */
export async function findRunProcesses({ pgid, cookie }: RunProcesses): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const marker = `${RUN_COOKIE_ENV}=${cookie}`;
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
      if (!stat || stat.state === 'Z') continue;
      if (stat.pgrp === pgid || (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').includes(marker)) {
        found.push(pid);
      }
    } catch {
      // It ended while we looked, or is not ours to read.
    }
  }
  return found;
}

/** SIGKILLs the run's processes until none is left; false if some survive `timeoutMs`. */
export async function killRunProcesses(run: RunProcesses, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signalGroup(run.pgid, 'SIGKILL');
    const alive = await findRunProcesses(run);
    if (alive.length === 0) return true;
    if (Date.now() > deadline) return false;
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // A killed process leaves /proc only once it is reaped; there is no event to wait on for non-children.
    await delay(20);
  }
}
