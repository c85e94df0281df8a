#!/usr/bin/env node
// The claudeops-runner executable: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/daemon/cli.ts');
// Exit explicitly: a library's stray timer must not keep a stopped runner alive.
process.exit(await main(process.argv.slice(2)));
