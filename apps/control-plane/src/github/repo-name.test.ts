// githubRepoName: the repository URL forms an execution may name, and the ones that are not GitHub's.
import { describe, expect, it } from 'vitest';
import { githubRepoName, webHostOf } from './repo-name';

describe('githubRepoName', () => {
  it.each([
    ['https://github.com/acme/widgets.git', 'acme/widgets'],
    ['https://github.com/acme/widgets', 'acme/widgets'],
    ['https://github.com/acme/widgets/', 'acme/widgets'],
    ['git@github.com:acme/widgets.git', 'acme/widgets'],
    ['ssh://git@github.com/acme/wid.gets.git', 'acme/wid.gets'],
  ])('%s is %s', (url, name) => expect(githubRepoName(url)).toBe(name));

  it('knows the web host of a GitHub Enterprise API URL', () => {
    expect(webHostOf('https://ghe.example.com/api/v3')).toBe('ghe.example.com');
    expect(githubRepoName('https://ghe.example.com/o/n.git', 'https://ghe.example.com/api/v3')).toBe('o/n');
    expect(githubRepoName('https://ghe.example.com/o/n.git')).toBeNull();
  });

  it.each([
    'https://gitlab.com/acme/widgets.git',
    '/srv/git/widgets.git',
    'file:///srv/x/y.git',
    'https://github.com/acme',
    'https://github.com/a/b/c',
  ])('%s is not a GitHub repository', (url) => expect(githubRepoName(url)).toBeNull());
});
