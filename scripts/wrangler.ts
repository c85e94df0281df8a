// Runs the project's wrangler CLI. Wrangler's bin refuses Node < 22, but its bundled CLI runs on Node 20, which is
// what this project's machines have; used by `npm start`, the e2e harness, the benchmark and `npm run wrangler`.
import { spawn, type SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const WRANGLER_CLI = path.join(
  path.dirname(require.resolve('wrangler/package.json')),
  'wrangler-dist',
  'cli.js',
);
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Environment that keeps wrangler quiet and offline-friendly. */
export const WRANGLER_ENV = { WRANGLER_SEND_METRICS: 'false', NO_D1_WARNING: 'true' } as const;

export function spawnWrangler(args: string[], options: SpawnOptions = {}) {
  return spawn(process.execPath, ['--no-warnings', WRANGLER_CLI, ...args], {
    cwd: REPO_ROOT,
    ...options,
    env: { ...process.env, ...WRANGLER_ENV, ...options.env },
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const child = spawnWrangler(process.argv.slice(2), { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
