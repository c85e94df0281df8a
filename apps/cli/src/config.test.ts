// Unit tests for the CLI's configuration: the environment over the file, XDG_CONFIG_HOME, modes 0600/0700, and
// .claudeops.json found above the working directory and written by init at the git root.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configPath, resolveConfig, writeStoredConfig } from './config';
import { cloneableRemote, findProjectDefaults, initProject } from './project';

const dirs: string[] = [];
const temp = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'claudeops-cli-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('config file', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/u' })).toBe('/x/cfg/claudeops/config.json');
    expect(configPath({ HOME: '/home/u' })).toBe('/home/u/.config/claudeops/config.json');
    expect(configPath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.config/claudeops/config.json');
  });

  it('is written 0600 in a 0700 directory, tightening one that was open', async () => {
    const home = await temp();
    await mkdir(join(home, 'claudeops'), { mode: 0o755 });
    const path = join(home, 'claudeops', 'config.json');
    await writeStoredConfig(path, { url: 'http://127.0.0.1:8787', token: 'coa_x' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'claudeops'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ url: 'http://127.0.0.1:8787', token: 'coa_x' });
  });

  it('takes CLAUDEOPS_URL and CLAUDEOPS_TOKEN over the file, one by one', async () => {
    const home = await temp();
    await writeStoredConfig(join(home, 'claudeops', 'config.json'), { url: 'http://file:1', token: 'file-token' });
    const env = { XDG_CONFIG_HOME: home };
    expect(await resolveConfig(env)).toEqual({ url: 'http://file:1', token: 'file-token', source: 'file' });
    expect(await resolveConfig({ ...env, CLAUDEOPS_TOKEN: 'env-token' })).toEqual({
      url: 'http://file:1',
      token: 'env-token',
      source: 'mixed',
    });
    expect(await resolveConfig({ CLAUDEOPS_URL: 'https://cp.example/', CLAUDEOPS_TOKEN: 't' })).toEqual({
      url: 'https://cp.example',
      token: 't',
      source: 'environment',
    });
    await expect(resolveConfig({ XDG_CONFIG_HOME: await temp() })).rejects.toThrow(/not logged in/);
  });
});

describe('.claudeops.json', () => {
  it('is found by walking up from the working directory', async () => {
    const root = await temp();
    await writeFile(join(root, '.claudeops.json'), JSON.stringify({ labels: ['home'], ref: 'main' }));
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    expect(await findProjectDefaults(join(root, 'a', 'b'))).toEqual({
      path: join(root, '.claudeops.json'),
      defaults: { labels: ['home'], ref: 'main' },
    });
    await writeFile(join(root, 'a', '.claudeops.json'), JSON.stringify({ labels: ['bad label'] }));
    await expect(findProjectDefaults(join(root, 'a', 'b'))).rejects.toThrow(/labels/);
  });

  it('is written by init at the git root with the origin and branch, and not overwritten without --force', async () => {
    const root = await temp();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
    git('init', '-q', '-b', 'trunk');
    git('remote', 'add', 'origin', 'https://user:secret@github.com/o/r.git');
    await mkdir(join(root, 'sub'));
    const options = { labels: ['home'], force: false };
    const { path, defaults } = await initProject(join(root, 'sub'), options);
    expect(path).toBe(join(root, '.claudeops.json'));
    expect(defaults).toEqual({ repo: 'https://github.com/o/r.git', ref: 'trunk', labels: ['home'] });
    await expect(initProject(root, options)).rejects.toThrow(/already exists; use --force/);
    expect((await initProject(root, { ...options, force: true, template: 'fixer' })).defaults.template).toBe('fixer');
    await expect(initProject(await temp(), options)).rejects.toThrow(/not inside a git repository/);
  });

  it('keeps a remote only when the runner could clone it', () => {
    expect(cloneableRemote('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
    expect(cloneableRemote('relative/path')).toBeNull();
  });
});
