// Running git for the runner's workspaces: never prompting, killable, with output capped, and with repository URLs
// scrubbed of credentials before anything reaches an event. Used by repo-cache.ts, git-commit.ts, worktree-cleanup.ts.
import { spawn } from 'node:child_process';

/** A git command failed; `message` is for people (credential-free), `stderr` is git's own words (also scrubbed). */
export class GitError extends Error {
  override name = 'GitError';
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

export interface GitOptions {
  /** The directory git runs in (`-C`). */
  cwd?: string;
  signal?: AbortSignal;
  /** Killed after this long (default 10 minutes: a first clone of a big repository is slow). */
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Written to git's stdin (a commit message). */
  input?: string;
  /** Exit codes that are answers rather than failures (`diff --quiet` exits 1 for "there are changes"). */
  okCodes?: number[];
  /** stdout beyond this many bytes is counted but not kept. */
  maxStdoutBytes?: number;
}

export interface GitResult {
  stdout: string;
  code: number;
  /** Bytes git wrote to stdout, the ones not kept included. */
  stdoutBytes: number;
  truncated: boolean;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const STDERR_KEEP = 16 * 1024;

// A repository lock a parent process may have set would point every command at the wrong repository.
const INHERITED_REPO_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

/**
 * The environment git runs with: the host's (its credential helpers, SSH agent and keys are how a private repository
 * is reached, and they stay on this machine), minus inherited repository pointers, with every interactive prompt off:
 * a daemon has nobody to type a password, and a prompt would hang the job.
 */
export function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_REPO_VARS) delete env[name];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    SSH_ASKPASS_REQUIRE: 'never',
    ...extra,
  };
}

/** Runs git; resolves with its output, rejects with a GitError (credential-free) on failure, timeout or abort. */
export function git(args: string[], options: GitOptions = {}): Promise<GitResult> {
  const fullArgs = options.cwd ? ['-C', options.cwd, ...args] : args;
  const what = `git ${args.find((arg) => !arg.startsWith('-')) ?? args[0] ?? ''}`.trim();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new GitError(`${what} was cancelled`, '', null));
      return;
    }
    // Its own session: no controlling terminal, so ssh cannot ask for a passphrase either; and the whole group dies.
    const child = spawn('git', fullArgs, {
      env: gitEnvironment(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const max = options.maxStdoutBytes ?? Number.POSITIVE_INFINITY;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let stdoutBytes = 0;
    let stderr = '';
    let stopped: string | null = null;
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (keptBytes < max) {
        const part = keptBytes + chunk.length > max ? chunk.subarray(0, max - keptBytes) : chunk;
        kept.push(part);
        keptBytes += part.length;
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_KEEP) stderr += chunk.toString();
    });
    const kill = (why: string) => {
      stopped ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill('timed out'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onAbort = () => kill('was cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // git may exit before it reads its input (a failed commit); the broken pipe is not worth a crash.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      finish();
      reject(new GitError(`cannot run git: ${error.message} (is git installed and on PATH?)`, '', null));
    });
    child.once('close', (code) => {
      finish();
      const err = scrubCredentials(stderr.trim());
      if (stopped) {
        reject(new GitError(`${what} ${stopped}`, err, code));
      } else if (code === 0 || (code !== null && options.okCodes?.includes(code))) {
        const stdout = Buffer.concat(kept).toString('utf8');
        resolve({ stdout, code, stdoutBytes, truncated: stdoutBytes > keptBytes });
      } else {
        reject(new GitError(`${what} failed${err ? `: ${lastLines(err)}` : ` (exit ${code})`}`, err, code));
      }
    });
  });
}

function lastLines(text: string, count = 3): string {
  return text.split('\n').slice(-count).join(' / ');
}

/**
 * Removes credentials from every URL in `text`: all userinfo of http(s) URLs (a token is often the user name) and the
 * password of any other scheme's (ssh://git@host stays readable). For events, logs and errors: git's own messages
 * quote URLs, rewritten ones included (url.<base>.insteadOf may add a token).
 */
export function scrubCredentials(text: string): string {
  return text
    .replace(/\b(https?:\/\/)[^\s/@'"]+@/gi, '$1')
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+):[^\s/@'"]+@/gi, '$1@');
}

/** The repository as events may show it. */
export const displayRepo = (repo: string): string => scrubCredentials(repo);

/**
 * Serialises work on one repository cache inside this process: concurrent fetches or worktree changes in one
 * repository fight over its lock files. Each key's chain holds only the latest promise.
 */
const chains = new Map<string, Promise<unknown>>();
export function withRepoLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = chains.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const tail = next.catch(() => undefined);
  chains.set(key, tail);
  void tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return next;
}
