// A git patch (`git diff` output, as GET /executions/:id/patch serves it) split into files with their hunks and
// +/− counts, and the highlight.js language for each file. Pure; used by the diff view.

export type DiffLineKind = 'add' | 'del' | 'context' | 'hunk' | 'meta';

export interface DiffLine {
  kind: DiffLineKind;
  /** The line without its +/−/space prefix (hunk and meta lines keep their text). */
  text: string;
  oldNo: number | null;
  newNo: number | null;
}

export interface DiffFile {
  /** The new path, or the old one for a deletion. */
  path: string;
  oldPath: string | null;
  status: 'modified' | 'added' | 'deleted' | 'renamed';
  binary: boolean;
  additions: number;
  deletions: number;
  lines: DiffLine[];
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

function unquote(path: string): string {
  return path.replace(/^"(.*)"$/, '$1').replace(/^[ab]\//, '');
}

/** Splits a unified git diff into files. Text outside any `diff --git` header is ignored. */
export function parsePatch(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let oldNo = 0;
  let newNo = 0;
  let inHunk = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const match = /^diff --git (\S+|"[^"]+") (\S+|"[^"]+")$/.exec(line);
      const path = unquote(match?.[2] ?? line.slice(11));
      file = { path, oldPath: null, status: 'modified', binary: false, additions: 0, deletions: 0, lines: [] };
      files.push(file);
      inHunk = false;
      continue;
    }
    if (!file) continue;
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      inHunk = true;
      file.lines.push({ kind: 'hunk', text: line, oldNo: null, newNo: null });
      continue;
    }
    if (!inHunk) {
      if (line.startsWith('new file mode')) file.status = 'added';
      else if (line.startsWith('deleted file mode')) file.status = 'deleted';
      else if (line.startsWith('rename from ')) {
        file.status = 'renamed';
        file.oldPath = line.slice(12);
      } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
      else if (line.startsWith('--- ') && file.status === 'deleted') file.path = unquote(line.slice(4));
      continue;
    }
    if (line.startsWith('+')) {
      file.additions += 1;
      file.lines.push({ kind: 'add', text: line.slice(1), oldNo: null, newNo: newNo++ });
    } else if (line.startsWith('-')) {
      file.deletions += 1;
      file.lines.push({ kind: 'del', text: line.slice(1), oldNo: oldNo++, newNo: null });
    } else if (line.startsWith(' ')) {
      file.lines.push({ kind: 'context', text: line.slice(1), oldNo: oldNo++, newNo: newNo++ });
    } else if (line.startsWith('\\')) {
      file.lines.push({ kind: 'meta', text: line, oldNo: null, newNo: null });
    }
  }
  return files;
}

const LANGUAGES: Record<string, string> = {
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescript',
  svelte: 'xml',
  json: 'json',
  css: 'css',
  scss: 'css',
  html: 'xml',
  xml: 'xml',
  svg: 'xml',
  py: 'python',
  go: 'go',
  rs: 'rust',
  sh: 'bash',
  bash: 'bash',
  zsh: 'bash',
  md: 'markdown',
  markdown: 'markdown',
  diff: 'diff',
  patch: 'diff',
};

/** The highlight.js language registered for a file's extension, or null (shown plain). */
export function languageFor(path: string): string | null {
  const name = path.split('/').at(-1) ?? '';
  if (name === 'Dockerfile' || name === 'Makefile') return null;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return null;
  return LANGUAGES[name.slice(dot + 1).toLowerCase()] ?? null;
}
