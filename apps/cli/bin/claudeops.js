#!/usr/bin/env node
// The claudeops executable: being written (the CLI).
console.error('claudeops: not built yet');
process.exit(1);
