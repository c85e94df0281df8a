// Options that make an allowed command do something its rule never meant (pure; used by bash-rules.ts): a prefix rule
// such as `Bash(git log:*)` or `Bash(npm test:*)` reads as "this command, any arguments", but `git log --output=f`
// writes a file, `git diff --no-index` reads any file, `go test -exec x` runs any program. The commands covered are
// the ones the built-in templates allow (git status/diff/log/show, ls, npm/npx, pytest, go test, cargo test); `git`
// is covered for every subcommand.
import type { Word } from './bash-command';

/** What `git -<opt>` before the subcommand does that no rule for a subcommand vouches for. */
const GIT_GLOBAL_REFUSED: Record<string, string> = {
  '-c': 'sets any git config for the call',
  '--config-env': 'sets any git config for the call',
  '-C': 'runs git in another directory',
  '--git-dir': 'points git at another repository',
  '--work-tree': 'points git at another work tree',
  '--namespace': 'works in another ref namespace',
  '--exec-path': 'runs git programs from another directory',
  '--super-prefix': 'is internal to git',
  '--list-cmds': 'is internal to git',
};
/** Options before the subcommand that change nothing a rule cares about. */
const GIT_GLOBAL_HARMLESS = new Set([
  '--no-pager',
  '-P',
  '-p',
  '--paginate',
  '--no-replace-objects',
  '--literal-pathspecs',
  '--glob-pathspecs',
  '--noglob-pathspecs',
  '--icase-pathspecs',
  '--no-optional-locks',
  '--bare',
]);

/** Long options (any subcommand) that write files, read outside the repository or run programs. */
const GIT_LONG_REFUSED = [
  'output',
  'output-directory',
  'no-index',
  'ext-diff',
  'textconv',
  'exec',
  'upload-pack',
  'receive-pack',
  'config',
  'exec-path',
  'open-files-in-pager',
  'git-dir',
  'work-tree',
  'remote',
  'run',
];
/** Short options refused for the subcommands where they mean one of the above. */
const GIT_SHORT_REFUSED: Record<string, string[]> = {
  diff: ['-o'],
  log: ['-o'],
  show: ['-o'],
  whatchanged: ['-o'],
  'format-patch': ['-o'],
  archive: ['-o'],
  grep: ['-O'],
  clone: ['-u', '-c'],
  fetch: ['-u'],
  pull: ['-u'],
  'ls-remote': ['-u'],
  rebase: ['-x'],
};

interface CommandTable {
  /** Long or short option names refused (a long one also when abbreviated to 3 or more letters). */
  refused: string[];
  /** Words after which the rest is handed on unparsed (to a test binary, a script). */
  stopAt: string[];
}

const NPM: CommandTable = {
  refused: ['--prefix', '-C', '--userconfig', '--globalconfig', '--script-shell', '--node-options', '--call', '-c'],
  stopAt: ['--'],
};
const TABLES: Record<string, CommandTable> = {
  npm: NPM,
  pnpm: NPM,
  yarn: NPM,
  npx: {
    refused: [...NPM.refused, '--package', '-p', '--outputFile', '--config', '--root', '-r', '--dir', '--api', '--ui'],
    stopAt: [],
  },
  vitest: { refused: ['--outputFile', '--config', '-c', '--root', '-r', '--dir', '--api', '--ui'], stopAt: [] },
  pytest: {
    refused: [
      '-p',
      '-c',
      '--config-file',
      '--rootdir',
      '--basetemp',
      '--junitxml',
      '--junit-xml',
      '--resultlog',
      '--result-log',
      '--report-log',
      '--log-file',
      '--pastebin',
      '-o',
      '--override-ini',
      '--debug',
      '--confcutdir',
    ],
    stopAt: [],
  },
  go: {
    refused: [
      '-exec',
      '-toolexec',
      '-o',
      '-C',
      '-outputdir',
      '-coverprofile',
      '-cpuprofile',
      '-memprofile',
      '-blockprofile',
      '-mutexprofile',
      '-trace',
      '-modfile',
      '-overlay',
      '-pkgdir',
    ],
    stopAt: ['-args', '--args'],
  },
  cargo: {
    refused: ['--config', '--manifest-path', '--target-dir', '-Z', '--artifact-dir', '--out-dir', '-C'],
    stopAt: ['--'],
  },
};

/** Whether `value` (`--outp=x`, `-ofile`, `-exec`) is the option `refused` or an abbreviation git or npm accepts. */
function isOption(value: string, refused: string): boolean {
  const name = value.split('=')[0]!;
  if (refused.startsWith('--')) {
    return name === refused || (name.startsWith('--') && name.length >= 5 && refused.startsWith(name));
  }
  // Go takes its flags with one dash or two; short options may carry their value attached (`-ofile`).
  if (refused.length > 2) return name === refused || name === `-${refused}`;
  return value === refused || (value.startsWith(refused) && !value.startsWith('--'));
}

/** The first word that is a refused option, for a command table. */
function refusedIn(words: Word[], table: CommandTable): string | null {
  for (const word of words) {
    if (table.stopAt.includes(word.value)) return null;
    const hit = table.refused.find((option) => isOption(word.value, option));
    if (hit) return hit;
  }
  return null;
}

export interface GitCall {
  /** `git <subcommand> <args>` without the options before the subcommand: what rules are compared with. */
  text: string;
  subcommand: string | null;
  args: Word[];
  /** Why an option before the subcommand takes the call out of any subcommand rule's reach. */
  refused: string | null;
}

/** Options before the subcommand that take their value as the next word. */
const GIT_GLOBAL_WITH_VALUE = new Set(['-c', '-C', '--config-env', '--git-dir', '--work-tree', '--namespace']);

/** A git command line read as git reads it: the subcommand, its arguments, and what the options before it do. */
export function readGit(words: Word[]): GitCall {
  let i = 1;
  let refused: string | null = null;
  while (i < words.length && words[i]!.value.startsWith('-')) {
    const value = words[i]!.value;
    const name = value.split('=')[0]!;
    const attachedC = /^-[cC]./.test(value) ? value.slice(0, 2) : null;
    const why = GIT_GLOBAL_REFUSED[attachedC ?? name];
    if (why) refused ??= `git ${attachedC ?? name} ${why}`;
    else if (!GIT_GLOBAL_HARMLESS.has(value)) refused ??= `git ${name} before the subcommand is not one a rule covers`;
    i += GIT_GLOBAL_WITH_VALUE.has(value) ? 2 : 1;
  }
  const args = words.slice(i + 1);
  const subcommand = words[i]?.value ?? null;
  return { text: ['git', ...words.slice(i).map((w) => w.value)].join(' '), subcommand, args, refused };
}

/** The option in a git subcommand's arguments that no prefix rule vouches for, named for the person asked. */
export function refusedGitOption(call: GitCall): string | null {
  const short = call.subcommand ? (GIT_SHORT_REFUSED[call.subcommand] ?? []) : [];
  for (const arg of call.args) {
    const value = arg.value;
    // After `--` git reads paths, never options.
    if (value === '--') return null;
    if (!value.startsWith('-')) continue;
    const long = GIT_LONG_REFUSED.find((option) => isOption(value, `--${option}`));
    if (long) return `--${long}`;
    const hit = short.find((option) => isOption(value, option));
    if (hit) return hit;
  }
  return null;
}

/** The refused option of a non-git command the tables cover (npm, npx, vitest, pytest, go, cargo), or null. */
export function refusedOption(program: string, words: Word[]): string | null {
  const table = TABLES[program];
  return table ? refusedIn(words.slice(1), table) : null;
}

/** Commands whose options the tables judge: a computed word in them could be a refused option. */
export function optionsMatter(program: string): boolean {
  return program === 'git' || program in TABLES;
}
