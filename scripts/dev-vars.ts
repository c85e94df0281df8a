// The control plane's secret settings for `wrangler dev` (the admin token above all) as a dotenv file, mode 0600,
// passed with --env-file, so that no token is on wrangler's command line for `ps` to show. Used by `npm start`
// (scripts/start.ts) and the e2e harness (tests/fixtures/control-plane.ts).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The dotenv text of `vars`: one NAME="value" line each (values are single-line, as wrangler's vars are). */
export function devVarsText(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`not a variable name: ${name}`);
      if (/[\r\n"\\]/.test(value)) throw new Error(`${name}: a value with quotes, backslashes or line breaks`);
      return `${name}="${value}"\n`;
    })
    .join('');
}

/** Writes `vars` to `file` readable by this user only; returns the wrangler arguments that load it. */
export async function writeDevVars(file: string, vars: Record<string, string>): Promise<string[]> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, devVarsText(vars), { mode: 0o600 });
  // writeFile keeps an existing file's mode.
  await chmod(file, 0o600);
  return ['--env-file', file];
}
