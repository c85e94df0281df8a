// `claudeops pause|resume|review|rewind ID`: steering a supervised run from the terminal.
import type { Command } from 'commander';
import type { Context } from '../context';
import type { Act } from './say';

export function registerSuperviseCommands(_program: Command, _context: Context, _act: Act): void {}
