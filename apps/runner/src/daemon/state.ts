// The runner's saved identity: runner id and token per control-plane URL, in <stateDir>/runner.json (mode 0600).
// Used by the CLI and the daemon; the token is a secret, so the file is private and never logged.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { RunnerId } from '@claudeops/control-plane/protocol';

const Registration = z.object({
  runnerId: RunnerId,
  runnerToken: z.string().min(1),
  name: z.string(),
  registeredAt: z.string(),
});
export type Registration = z.infer<typeof Registration>;

const StateFile = z.object({ registrations: z.record(z.string(), Registration) });
type StateFile = z.infer<typeof StateFile>;

export const STATE_FILE_NAME = 'runner.json';

export const stateFilePath = (stateDir: string): string => join(stateDir, STATE_FILE_NAME);

/** One key per control plane, whatever trailing slash or default port the user typed. */
export function registrationKey(url: string): string {
  const parsed = new URL(url);
  return parsed.origin + parsed.pathname.replace(/\/+$/, '');
}

async function readState(stateDir: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readFile(stateFilePath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { registrations: {} };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = StateFile.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${stateFilePath(stateDir)} is not a runner state file; move it away and register again`);
  }
  return parsed.data;
}

export async function loadRegistration(stateDir: string, url: string): Promise<Registration | null> {
  const state = await readState(stateDir);
  return state.registrations[registrationKey(url)] ?? null;
}

export async function saveRegistration(stateDir: string, url: string, registration: Registration): Promise<void> {
  const state = await readState(stateDir);
  state.registrations[registrationKey(url)] = registration;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = stateFilePath(stateDir);
  const temp = `${path}.${process.pid}.tmp`;
  // Write-then-rename so a crash never leaves half a file, and create it 0600 so the token is never world-readable.
  await writeFile(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}
