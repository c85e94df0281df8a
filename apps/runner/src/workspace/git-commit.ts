// What a job changed in its worktree: the runner's commit (author ClaudeOps, a message saying what the execution
// did), the diff stat against the base commit, and the patch, capped. Used by workspace.ts.
import { MAX_PATCH_BYTES } from '@claudeops/control-plane/protocol';
import { git, type GitRepo } from './git';

export const CLAUDEOPS_AUTHOR = { name: 'ClaudeOps', email: 'claudeops@localhost' } as const;
/** The patch uploaded for an execution is cut here (at a line end), and flagged truncated: what the API accepts. */
export const PATCH_CAP_BYTES = MAX_PATCH_BYTES;
/** Read beyond the cap, so a secret straddling it is still whole when it is redacted. */
const PATCH_READ_MARGIN = 64 * 1024;
const SUBJECT_MAX = 72;
const RESULT_TEXT_MAX = 4000;

export interface CommitInfo {
  prompt: string;
  executionId: string;
  attempt: number;
  status: string;
  /** Claude Code's result text (the `result` event's), if it gave one. */
  resultText?: string | undefined;
  costUsd?: number | undefined;
}

export interface FileStat {
  path: string;
  insertions: number;
  deletions: number;
}

export interface ChangeSummary {
  /** HEAD when it moved from the base (the runner's commit, or Claude Code's own), else null. */
  commit: string | null;
  message: string | null;
  files: FileStat[];
  insertions: number;
  deletions: number;
}

export interface Patch {
  text: string;
  /** Size of the whole patch as git wrote it. */
  bytes: number;
  truncated: boolean;
}

/** The first line of the prompt (markdown heading marks dropped), at most 72 characters. */
export function commitSubject(prompt: string): string {
  const line =
    prompt
      .split('\n')
      .map((l) =>
        l
          .replace(/^#+\s*/, '')
          .replace(/\s+/g, ' ')
          .trim(),
      )
      .find((l) => l !== '') ?? 'ClaudeOps execution';
  return line.length > SUBJECT_MAX ? `${line.slice(0, SUBJECT_MAX - 1).trimEnd()}…` : line;
}

export function commitMessage(info: CommitInfo): string {
  const lines = [
    commitSubject(info.prompt),
    '',
    `ClaudeOps execution ${info.executionId}, attempt ${info.attempt}: Claude Code ${info.status}.`,
  ];
  const text = info.resultText?.trim();
  if (text) {
    const capped = text.length > RESULT_TEXT_MAX ? `${text.slice(0, RESULT_TEXT_MAX - 1)}…` : text;
    lines.push('', "Claude Code's result:", '', capped);
  }
  lines.push(
    '',
    `ClaudeOps-Execution: ${info.executionId}`,
    `ClaudeOps-Attempt: ${info.attempt}`,
    `ClaudeOps-Cost-USD: ${info.costUsd === undefined ? 'unknown' : info.costUsd.toFixed(4)}`,
  );
  return lines.join('\n') + '\n';
}

/** Stages everything (ignored files stay out) and commits it as ClaudeOps; false when nothing changed. */
export async function commitAll(worktree: GitRepo, message: string, signal?: AbortSignal): Promise<boolean> {
  await git(['add', '--all'], { repo: worktree, signal });
  const staged = await git(['diff', '--cached', '--quiet', '--no-ext-diff', '--no-textconv'], {
    repo: worktree,
    okCodes: [1],
    signal,
  });
  if (staged.code === 0) return false;
  const { name, email } = CLAUDEOPS_AUTHOR;
  // No hook runs (git.ts turns them and signing off; --no-verify says so again): they are for people's commits.
  await git(['commit', '--quiet', '--no-verify', '--cleanup=whitespace', '--file=-'], {
    repo: worktree,
    input: message,
    signal,
    env: {
      GIT_AUTHOR_NAME: name,
      GIT_AUTHOR_EMAIL: email,
      GIT_COMMITTER_NAME: name,
      GIT_COMMITTER_EMAIL: email,
    },
  });
  return true;
}

/** HEAD against the base: which commit, its message, and the diff stat per file (renames under their new path). */
export async function summarizeChanges(worktree: GitRepo, baseCommit: string): Promise<ChangeSummary> {
  const head = (await git(['rev-parse', 'HEAD'], { repo: worktree })).stdout.trim();
  if (head === baseCommit) return { commit: null, message: null, files: [], insertions: 0, deletions: 0 };
  const message = (await git(['log', '-1', '--format=%B', head], { repo: worktree })).stdout.trimEnd();
  const numstat = await git(['diff', '--numstat', '-z', '-M', '--no-ext-diff', '--no-textconv', baseCommit, head], {
    repo: worktree,
  });
  const files = parseNumstat(numstat.stdout);
  return {
    commit: head,
    message,
    files,
    insertions: files.reduce((sum, f) => sum + f.insertions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
  };
}

/** `git diff --numstat -z`: "ins\tdel\tpath\0", or "ins\tdel\t\0old\0new\0" for a rename; binary files count 0. */
export function parseNumstat(output: string): FileStat[] {
  const tokens = output.split('\0');
  const files: FileStat[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const match = /^(-|\d+)\t(-|\d+)\t([\s\S]*)$/.exec(tokens[i]!);
    if (!match) continue;
    let path = match[3]!;
    if (path === '') {
      path = tokens[i + 2] ?? '';
      i += 2;
    }
    files.push({ path, insertions: Number(match[1]) || 0, deletions: Number(match[2]) || 0 });
  }
  return files;
}

/** `git diff base head` redacted and cut to `capBytes` at a line end; `bytes` is the whole patch's size. */
export async function readPatch(
  worktree: GitRepo,
  baseCommit: string,
  head: string,
  redact: (text: string) => string,
  capBytes = PATCH_CAP_BYTES,
): Promise<Patch> {
  const diff = await git(['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M', baseCommit, head], {
    repo: worktree,
    maxStdoutBytes: capBytes + PATCH_READ_MARGIN,
  });
  const redacted = Buffer.from(redact(diff.stdout), 'utf8');
  if (!diff.truncated && redacted.length <= capBytes) {
    return { text: redacted.toString('utf8'), bytes: diff.stdoutBytes, truncated: false };
  }
  const end = redacted.lastIndexOf(0x0a, capBytes - 1);
  return {
    text: redacted.subarray(0, end < 0 ? 0 : end + 1).toString('utf8'),
    bytes: diff.stdoutBytes,
    truncated: true,
  };
}
