// The runner's version, from its package.json; sent in runner.hello and printed by the CLI.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const RUNNER_VERSION: string = pkg.version;
