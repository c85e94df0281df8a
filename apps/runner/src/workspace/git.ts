// Running git for the runner's workspaces: never prompting, killable, with output capped, and with repository URLs
// scrubbed of credentials before anything reaches an event, and hardened so that nothing an agent can write steers
// it (see GitRepo and HARDENING). Used by repo-cache.ts, git-commit.ts, worktree-cleanup.ts.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

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

/**
 * Which repository a command works on, from the runner's own records: the cache's bare repository, or a worktree's
 * admin dir (<cache>/worktrees/<name>) with its work tree. Never discovered from a `.git` file in a workspace: the
 * agent can rewrite that one to point git at a config of its choosing.
 */
export interface GitRepo {
  gitDir: string;
  workTree?: string;
}

export interface GitOptions {
  /** The repository (`--git-dir`, `--work-tree`); none for commands that make one (`init`) or need none. */
  repo?: GitRepo;
  /**
   * The command talks to the remote (fetch, `remote set-head --auto`): the host's system and global config stay in
   * force, since its credential helpers, SSH setup and URL rewrites are how a private repository is reached. Every
   * other command runs without them (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null), so no `includeIf`, pager,
   * credential helper or attribute file from outside the runner's records takes part.
   */
  network?: boolean;
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

// A repository lock a parent process may have set would point every command at the wrong repository; the others
// would undo the hardening below (config injected through the environment, an external diff, a pager).
const INHERITED_REPO_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_EXTERNAL_DIFF',
  'GIT_EXEC_PATH',
  'GIT_TEMPLATE_DIR',
];

/**
 * Settings every runner git command carries, whatever a config says: no fsmonitor (a program git would start), no
 * hooks, no pager, no external diff, no `ext::` transport, no submodule recursion, no signing, no automatic gc.
 */
const HARDENING = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'diff.external=',
  'protocol.ext.allow=never',
  'submodule.recurse=false',
  'commit.gpgsign=false',
  'tag.gpgsign=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

/**
 * The environment git runs with: the host's (its credential helpers, SSH agent and keys are how a private repository
 * is reached, and they stay on this machine), minus inherited repository pointers, with every interactive prompt off:
 * a daemon has nobody to type a password, and a prompt would hang the job.
 */
export function gitEnvironment(extra: Record<string, string> = {}, network = true): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_REPO_VARS) delete env[name];
  for (const name of Object.keys(env)) if (/^GIT_CONFIG_(KEY|VALUE)_\d+$/.test(name)) delete env[name];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    SSH_ASKPASS_REQUIRE: 'never',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    ...(network ? {} : { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_ATTR_NOSYSTEM: '1' }),
    ...extra,
  };
}

/** The hardened command line: `git <settings> --git-dir=… --work-tree=… <args>`. Exported for the tests. */
export function gitArgs(args: string[], options: Pick<GitOptions, 'repo' | 'network'> = {}): string[] {
  const settings = [...HARDENING];
  // Credential helpers only where credentials are needed; an empty value clears any list a config built.
  if (!options.network) settings.push('credential.helper=');
  const { repo } = options;
  if (repo) {
    settings.push(`safe.directory=${repo.gitDir}`);
    if (repo.workTree) settings.push(`safe.directory=${repo.workTree}`);
  }
  return [
    '--no-pager',
    ...settings.flatMap((setting) => ['-c', setting]),
    ...(repo ? [`--git-dir=${repo.gitDir}`] : []),
    ...(repo?.workTree ? [`--work-tree=${repo.workTree}`] : []),
    ...args,
  ];
}

/** Runs git; resolves with its output, rejects with a GitError (credential-free) on failure, timeout or abort. */
export function git(args: string[], options: GitOptions = {}): Promise<GitResult> {
  const fullArgs = gitArgs(args, options);
  const what = `git ${args.find((arg) => !arg.startsWith('-')) ?? args[0] ?? ''}`.trim();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new GitError(`${what} was cancelled`, '', null));
      return;
    }
    // Its own session: no controlling terminal, so ssh cannot ask for a passphrase either; and the whole group dies.
    // It runs in the git dir (the runner's), never in a workspace: nothing there is looked at for a repository.
    const child = spawn('git', fullArgs, {
      cwd: options.repo?.gitDir ?? tmpdir(),
      env: gitEnvironment(options.env, options.network ?? false),
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
