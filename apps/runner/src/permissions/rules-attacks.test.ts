// The attacks on permission rules that issue 10 lists, and their neighbours, each with the answer it must get: the
// built-in templates' policies (migrations/0004) and deny/allow rules a user writes, against a real workspace on
// disk with a committed-style symlink to a directory outside it.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PermissionPolicy } from '@claudeops/control-plane/protocol';
import { evaluate, type Verdict } from './permissions';

const policy = (p: Partial<PermissionPolicy>): PermissionPolicy => ({ allow: [], ask: [], deny: [], ...p });
const FILE_TOOLS = ['Read', 'Glob', 'Grep', 'LS', 'Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'TodoWrite'];
const POLICIES = {
  prReviewer: policy({
    allow: ['Read', 'Grep', 'Glob', 'Bash(git diff:*)', 'Bash(git log:*)', 'Bash(git show:*)'],
    deny: ['Edit', 'MultiEdit', 'Write', 'NotebookEdit'],
  }),
  coder: policy({
    allow: [...FILE_TOOLS, 'Bash(git status:*)', 'Bash(git diff:*)', 'Bash(git log:*)', 'Bash(ls:*)'],
    deny: ['Bash(git push:*)'],
  }),
  tester: policy({
    allow: [
      ...FILE_TOOLS,
      'Bash(npm test:*)',
      'Bash(npm run test:*)',
      'Bash(npx vitest:*)',
      'Bash(pytest:*)',
      'Bash(go test:*)',
      'Bash(cargo test:*)',
      'Bash(git status:*)',
    ],
  }),
  noRm: policy({ allow: ['Bash'], deny: ['Bash(rm:*)'] }),
  echo: policy({ allow: ['Bash(echo:*)', 'Bash(tee:*)', 'Bash(cd:*)', 'Edit'] }),
  editSrc: policy({ allow: ['Edit(src/**)', 'Read'], deny: ['Read(~/.ssh/**)'] }),
};
type PolicyName = keyof typeof POLICIES;

let root: string;
let cwd: string;
let home: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'claudeops-rules-'));
  cwd = join(root, 'workspace');
  home = join(root, 'home');
  await mkdir(join(home, '.ssh'), { recursive: true });
  await writeFile(join(home, '.ssh', 'id_rsa'), 'secret');
  await mkdir(join(root, 'outside'));
  await mkdir(join(cwd, 'src'), { recursive: true });
  await writeFile(join(cwd, 'src', 'app.ts'), 'x');
  // What a repository can commit: links out of the workspace, one of them dangling.
  await symlink(join(root, 'outside'), join(cwd, 'src', 'x'));
  await symlink(join(home, '.ssh'), join(cwd, 'src', 'keys'));
  await symlink(join(root, 'nowhere', 'deep'), join(cwd, 'src', 'dangling'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

type Case = [PolicyName, string | { tool: string; input: Record<string, unknown> }, Verdict, string?];

const check = ([name, call]: Case) => {
  const { tool, input } = typeof call === 'string' ? { tool: 'Bash', input: { command: call } } : call;
  return evaluate(POLICIES[name], [], tool, input, { cwd, home });
};
const edit = (file_path: string, tool = 'Edit') => ({ tool, input: { file_path, old_string: 'a', new_string: 'b' } });

describe('git options a prefix rule does not vouch for', () => {
  it.each<Case>([
    ['prReviewer', 'git log -1 --format=x --output=~/.bashrc', 'deny', '~/.bashrc'],
    ['coder', 'git log -1 --format=x --output=~/.bashrc', 'ask', '--output'],
    ['coder', 'git log --output=notes.txt', 'ask', '--output'],
    ['coder', 'git log --outp=notes.txt', 'ask', '--output'],
    ['coder', "git log '--output'=x", 'ask', '--output'],
    ['coder', 'git log --out\\put=x', 'ask', '--output'],
    ['coder', 'git log -o/tmp/x HEAD', 'ask', '-o'],
    ['prReviewer', 'git show -o /tmp/x HEAD', 'deny', '/tmp/x'],
    ['coder', 'git diff --no-index /etc/shadow /dev/null', 'ask', '--no-index'],
    ['coder', 'git diff /etc/shadow /dev/null', 'ask', 'outside the workspace'],
    ['coder', 'git diff ../../runner.json src/app.ts', 'ask', 'outside the workspace'],
    ['coder', 'git diff --ext-diff HEAD', 'ask', '--ext-diff'],
    ['coder', 'git log -p --textconv', 'ask', '--textconv'],
    ['coder', 'git -c core.pager=sh log', 'ask', '-c'],
    ['coder', 'git -C /etc log', 'ask', '-C'],
    ['coder', 'git --git-dir=/tmp/evil log', 'ask', '--git-dir'],
    ['coder', 'git --work-tree=/ status', 'ask', '--work-tree'],
    ['coder', 'git --exec-path=/tmp log', 'ask', '--exec-path'],
    ['coder', 'git log $(echo --output=x)', 'ask'],
    ['coder', 'git log *', 'ask', 'computed at run time'],
    ['coder', 'git log --output=x -- src', 'ask', '--output'],
    ['coder', 'git --no-pager push origin main', 'deny'],
    ['coder', 'git --no-pager log -1 --oneline', 'allow'],
    ['coder', 'git log --oneline -5 -- src/app.ts', 'allow'],
    ['coder', 'git log -- --output=x', 'allow'],
    ['coder', 'git diff HEAD~1 origin/main -- src', 'allow'],
    ['coder', 'git status --short 2>&1', 'allow'],
    ['prReviewer', 'git show HEAD:src/app.ts', 'allow'],
    ['prReviewer', 'git log > notes.txt', 'deny', 'notes.txt'],
  ])('%s: %s → %s', (...test) => {
    const result = check(test);
    expect(result.verdict).toBe(test[2]);
    if (test[3]) expect(`${result.rule} ${result.reason}`).toContain(test[3]);
  });
});

describe('deny rules see every program a line runs', () => {
  it.each<Case>(
    [
      '{ rm -rf x; }',
      'sudo rm x',
      'sudo -u root rm -rf x',
      'env rm x',
      'env -i FOO=1 rm x',
      "bash -c 'rm -rf x'",
      'sh -c "rm x"',
      "bash -lc 'rm x'",
      "zsh -c 'ls; rm x'",
      "eval 'rm x'",
      'eval rm x',
      'command rm x',
      'exec rm x',
      'nice -n 5 rm x',
      'timeout -s KILL 5 rm x',
      'nohup rm x &',
      'time rm x',
      'FOO=1 rm x',
      'echo x | xargs rm',
      'ls | xargs -0 -n1 rm -f',
      'find . -name y -exec rm {} \\;',
      'if true; then rm x; fi',
      'if false; then :; else rm x; fi',
      'for f in a b; do rm $f; done',
      'while false; do :; done; rm x',
      '/bin/rm x',
      '\\rm x',
      "r''m x",
      '"rm" x',
      'echo $(rm x)',
      'echo `rm x`',
      'cat <(rm x)',
      'cat <<EOF\n$(rm x)\nEOF',
      'env -S "rm x"',
      '(cd /tmp && rm x)',
    ].map((command): Case => ['noRm', command, 'deny', 'Bash(rm:*)']),
  )('%s: %s → %s', (...test) => {
    expect(check(test)).toMatchObject({ verdict: 'deny', rule: 'Bash(rm:*)' });
  });

  it.each<Case>([
    ['noRm', 'echo rm', 'allow'],
    ['noRm', 'ls "a; rm x"', 'allow'],
    ['noRm', "bash -c 'echo rm'", 'allow'],
    ['noRm', "cat <<'EOF'\n$(rm x)\nEOF", 'allow'],
  ])('%s: %s → %s', (...test) => {
    expect(check(test).verdict).toBe(test[2]);
  });
});

describe('writes by redirection and tee', () => {
  it.each<Case>([
    ['echo', 'echo x > ~/.bashrc', 'ask', '~/.bashrc'],
    ['echo', 'echo x >> /etc/passwd', 'ask', '/etc/passwd'],
    ['echo', 'echo x &> ~/.profile', 'ask', '~/.profile'],
    ['echo', 'echo x >~/.bashrc 2>&1', 'ask', '~/.bashrc'],
    ['echo', 'echo x > "$HOME/.bashrc"', 'ask', 'computed'],
    ['echo', 'echo x > .git', 'ask', '.git'],
    ['echo', 'echo x > .git/config', 'ask', '.git/config'],
    ['echo', 'echo x > src/x/planted', 'ask', 'src/x/planted'],
    ['echo', 'echo x | tee ~/.bashrc', 'ask', '~/.bashrc'],
    ['echo', 'echo x | tee -a out.txt /etc/hosts', 'ask', '/etc/hosts'],
    ['echo', 'cd / && echo x > etc/passwd', 'ask', 'changing directory'],
    ['echo', "bash -c 'echo x > ~/.bashrc'", 'ask', '~/.bashrc'],
    ['echo', 'PATH=. echo x', 'ask', 'PATH'],
    ['echo', 'LD_PRELOAD=/tmp/x.so echo x', 'ask', 'LD_PRELOAD'],
    ['echo', 'echo $(cat ~/.ssh/id_rsa)', 'ask'],
    ['echo', 'sudo echo x', 'ask', 'another user'],
    ['echo', 'echo x >| ~/.bashrc', 'ask', '~/.bashrc'],
    ['echo', 'echo x 1>~/.bashrc', 'ask', '~/.bashrc'],
    ['echo', 'echo x>>~/.bashrc', 'ask', '~/.bashrc'],
    ['echo', 'exec > ~/.bashrc', 'ask', '~/.bashrc'],
    ['echo', '> ~/.bashrc', 'ask', '~/.bashrc'],
    ['echo', 'echo x > ../escape.txt', 'ask', '../escape.txt'],
    ['echo', 'echo x &&rm y', 'ask'],
    ['echo', 'echo $((1 + 2))', 'allow'],
    ['echo', 'echo x # > ~/.bashrc', 'allow'],
    ['echo', 'echo a#b > out.txt', 'allow'],
    ['noRm', 'echo x #\nrm y', 'deny'],
    ['echo', 'echo x > out.txt', 'allow'],
    ['echo', 'echo x > src/new.ts 2>/dev/null', 'allow'],
    ['echo', 'echo x | tee out.txt', 'allow'],
    ['echo', "bash -c 'echo x'", 'allow'],
    ['echo', 'echo $HOME', 'allow'],
    ['prReviewer', 'git diff > /dev/null', 'allow'],
  ])('%s: %s → %s', (...test) => {
    const result = check(test);
    expect(result.verdict).toBe(test[2]);
    if (test[3]) expect(`${result.rule} ${result.reason}`).toContain(test[3]);
  });
});

describe('options of the test runners the templates allow', () => {
  it.each<Case>([
    ['tester', 'npm test -- --run', 'allow'],
    ['tester', 'CI=1 npm test', 'allow'],
    ['tester', 'npm run test -- src', 'allow'],
    ['tester', 'npx vitest run src/a.test.ts', 'allow'],
    ['tester', 'go test ./... -run TestX -args -exec foo', 'allow'],
    ['tester', 'pytest -k slow tests/', 'allow'],
    ['tester', 'npm test --script-shell=/tmp/x', 'ask', '--script-shell'],
    ['tester', 'npm test --prefix /', 'ask', '--prefix'],
    ['tester', 'npx vitest run --outputFile=/tmp/report.json', 'ask', '--outputFile'],
    ['tester', 'go test -exec /tmp/evil ./...', 'ask', '-exec'],
    ['tester', 'go test -o /tmp/bin ./...', 'ask', '-o'],
    ['tester', 'pytest -p evil_plugin', 'ask', '-p'],
    ['tester', 'pytest --basetemp=/home', 'ask', '--basetemp'],
    ['tester', 'cargo test --config target.x.runner=sh', 'ask', '--config'],
    ['tester', 'LD_PRELOAD=/tmp/x.so npm test', 'ask', 'LD_PRELOAD'],
    ['tester', 'npm test && rm -rf /', 'ask'],
  ])('%s: %s → %s', (...test) => {
    const result = check(test);
    expect(result.verdict).toBe(test[2]);
    if (test[3]) expect(`${result.rule} ${result.reason}`).toContain(test[3]);
  });
});

describe('path rules resolve symlinks', () => {
  it.each<Case>([
    ['editSrc', edit('src/app.ts'), 'allow'],
    ['editSrc', edit('src/x/file'), 'ask'],
    ['editSrc', edit('src/x/new.ts', 'Write'), 'ask'],
    ['editSrc', edit('src/dangling/y', 'Write'), 'ask'],
    ['editSrc', edit('src/x/../escape.ts', 'Write'), 'ask'],
    ['editSrc', { tool: 'Read', input: { file_path: 'src/keys/id_rsa' } }, 'deny'],
    ['editSrc', { tool: 'Read', input: { file_path: 'src/app.ts' } }, 'allow'],
    ['editSrc', 'cat < src/keys/id_rsa', 'deny'],
    ['editSrc', 'cat < ~/.ssh/id_rsa', 'deny'],
    ['coder', edit('src/x/file', 'Write'), 'ask'],
    ['coder', edit('/etc/hosts', 'Write'), 'ask'],
    ['coder', edit('.git', 'Write'), 'ask'],
    ['coder', edit('sub/.git/config'), 'ask'],
    ['coder', edit('new/dir/a.ts', 'Write'), 'allow'],
    ['coder', { tool: 'Read', input: { file_path: '/etc/hosts' } }, 'allow'],
  ])('%s: %j → %s', (...test) => {
    expect(check(test).verdict).toBe(test[2]);
  });
});
