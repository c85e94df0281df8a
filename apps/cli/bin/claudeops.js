#!/usr/bin/env node
// The claudeops executable: runs the bundle (dist/claudeops.js, built by `npm run build -w apps/cli` and by prepack)
// when it is there and newer than every source file, else registers tsx and runs the TypeScript sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'claudeops.js');
// The bundle also holds the control plane's protocol and client: in the repository those count as sources too.
const sources = [
  join(root, 'src'),
  join(root, '..', 'control-plane', 'src', 'protocol'),
  join(root, '..', 'control-plane', 'src', 'client'),
];

/** Newest modification time under dir (0 when it does not exist: an installed package ships no sources). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

let main;
if (existsSync(bundle) && statSync(bundle).mtimeMs >= Math.max(...sources.map(newest))) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
// Exit explicitly: an open socket or timer must not keep a finished command alive.
const code = await main(process.argv.slice(2));
process.exitCode = code;
process.stdout.write('', () => process.exit(code));
