// Builds the runner ahead of time (`npm run build -w apps/runner`, and `npm start` when the build is stale): one
// esbuild bundle of apps/runner/src (with the control plane's protocol module it imports) at
// apps/runner/dist/claudeops-runner.js, ESM for Node 20, npm packages left external, and the modules the runner
// loads lazily (Claude Code's Agent SDK, systeminformation, ajv) in chunks of their own, so an idle runner neither
// runs tsx nor loads them. bin/claudeops-runner.js runs the bundle when it is newer than every source file.
import { readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';
import { REPO_ROOT } from './wrangler';

export const RUNNER_DIR = path.join(REPO_ROOT, 'apps', 'runner');
export const RUNNER_DIST = path.join(RUNNER_DIR, 'dist');
export const RUNNER_BUNDLE = path.join(RUNNER_DIST, 'claudeops-runner.js');
/** The sources the bundle is made of (bin/claudeops-runner.js checks the same ones). */
const SOURCES = [path.join(RUNNER_DIR, 'src'), path.join(REPO_ROOT, 'apps', 'control-plane', 'src', 'protocol')];

const isSource = (name: string) => name.endsWith('.ts') && !name.endsWith('.test.ts');

async function newestSourceMtime(entry: string): Promise<number> {
  const info = await stat(entry).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return isSource(entry) ? info.mtimeMs : 0;
  let newest = 0;
  for (const child of await readdir(entry)) {
    if (child === 'testing' || child === 'node_modules') continue;
    newest = Math.max(newest, await newestSourceMtime(path.join(entry, child)));
  }
  return newest;
}

/** Why the runner needs building, or null when the bundle is newer than every source file. */
export async function runnerBuildStaleness(): Promise<string | null> {
  const built = await stat(RUNNER_BUNDLE).catch(() => null);
  if (!built) return 'there is no build yet';
  const newest = Math.max(...(await Promise.all(SOURCES.map(newestSourceMtime))));
  return newest > built.mtimeMs ? 'a source file changed since the last build' : null;
}

/**
 * Workspace packages (@claudeops/*, TypeScript sources) go into the bundle; every other bare import stays an
 * import of node_modules. import.meta.url keeps meaning the source file, so paths relative to it (the runner's
 * package.json, its bin) resolve as they do from source.
 */
const runnerPlugin: Plugin = {
  name: 'claudeops-runner',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@claudeops/')) return undefined;
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/** Builds the bundle; its mtime is set to when the build started, so an edit made meanwhile still counts as newer. */
export async function buildRunner(): Promise<void> {
  const startedAt = Date.now();
  await rm(RUNNER_DIST, { recursive: true, force: true });
  await build({
    entryPoints: { 'claudeops-runner': path.join(RUNNER_DIR, 'src', 'daemon', 'cli.ts') },
    outdir: RUNNER_DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [runnerPlugin],
    banner: { js: '// Built by scripts/build-runner.ts from apps/runner/src; do not edit.' },
  });
  await utimes(RUNNER_BUNDLE, startedAt / 1000, startedAt / 1000);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  await buildRunner();
  console.log(
    `built ${path.relative(process.cwd(), RUNNER_BUNDLE)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
