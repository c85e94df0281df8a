// `claudeops say ID "text"`: a follow-up message to a running or ended execution. Owned by the follow-ups work.
import type { Command } from 'commander';
import type { Context } from '../context';

/** `act` wraps a handler so that its resolved number becomes the exit code. */
export type Act = <A extends unknown[]>(handler: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function registerSayCommand(_program: Command, _context: Context, _act: Act): void {}
