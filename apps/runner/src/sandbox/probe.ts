// What this host offers the sandbox, checked once when the runner starts (sandbox.ts): whether bubblewrap really runs
// a command in the namespaces a job gets (it can be installed yet refused: no user namespaces, a container's seccomp),
// and where socat is for the network bridge.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { BASE_MOUNTS, NAMESPACE_FLAGS } from './bwrap-args';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

const PROBE_TIMEOUT_MS = 10_000;

/** An executable named `name` on `path` (a PATH value), or null. */
export async function findExecutable(name: string, path: string | undefined): Promise<string | null> {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** Runs `true` under bwrap with a job's namespace flags and base mounts, its own network included. */
export function probeBubblewrap(bwrapPath: string): Promise<ProbeResult> {
  const args = [...NAMESPACE_FLAGS, '--unshare-net', ...BASE_MOUNTS, '--', '/bin/sh', '-c', 'exit 0'];
  return new Promise((resolve) => {
    execFile(bwrapPath, args, { timeout: PROBE_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      const said = String(stderr).trim().split('\n').slice(-1)[0];
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? `${bwrapPath} not found`
          : `${bwrapPath} cannot create the sandbox here: ${said || error.message}`;
      resolve({ ok: false, reason });
    });
  });
}
