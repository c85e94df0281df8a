#!/usr/bin/env node
// The claudeops-runner executable. Runs the ahead-of-time build (dist/claudeops-runner.js, `npm run build -w
// apps/runner`) when it is newer than every source file it is made of; otherwise registers tsx so the TypeScript
// sources run as they are (slower to start, ~50 MB more memory). CLAUDEOPS_RUNNER_FROM_SOURCE=1 forces the sources.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const BUNDLE = here('../dist/claudeops-runner.js');
// The same sources scripts/build-runner.ts bundles.
const SOURCES = [here('../src'), here('../../control-plane/src/protocol')];

function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return Infinity; // Sources we cannot read: do not trust the bundle.
  }
  for (const entry of entries) {
    const full = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'testing' && entry.name !== 'node_modules') newest = Math.max(newest, newestSource(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.CLAUDEOPS_RUNNER_FROM_SOURCE === '1') return false;
  let built;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return false;
  }
  return SOURCES.every((dir) => newestSource(dir) <= built);
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(BUNDLE));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/daemon/cli.ts'));
}
// Exit explicitly: a library's stray timer must not keep a stopped runner alive.
process.exit(await main(process.argv.slice(2)));
