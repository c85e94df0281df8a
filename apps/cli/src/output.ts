// Where `claudeops` writes and how: data on stdout, messages on stderr, colour only on a TTY and never with NO_COLOR
// (FORCE_COLOR turns it on anywhere). Every command gets one Output; tests give it string sinks.
import { EXIT, type ExitCode } from './exit-codes';

/** An expected failure: one sentence for the person, and the exit code. Anything else is a bug. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** NO_COLOR (any non-empty value) wins; then FORCE_COLOR (not 0/false); else only a terminal gets colour. */
export function colourEnabled(stream: Sink, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] };
export type Style = keyof typeof CODES;
export type Paint = (style: Style, text: string) => string;

export const painter =
  (enabled: boolean): Paint =>
  (style, text) =>
    enabled ? `\x1b[${CODES[style][0]}m${text}\x1b[${CODES[style][1]}m` : text;

export interface Output {
  out: Sink;
  err: Sink;
  /** Colours for stdout and stderr, each by its own stream. */
  paint: Paint;
  paintErr: Paint;
  /** A line of data. */
  data(line: string): void;
  /** A message for the person (stderr). */
  note(line: string): void;
  /** One value as pretty JSON on stdout. */
  json(value: unknown): void;
}

export function createOutput(out: Sink, err: Sink, env: NodeJS.ProcessEnv): Output {
  return {
    out,
    err,
    paint: painter(colourEnabled(out, env)),
    paintErr: painter(colourEnabled(err, env)),
    data: (line) => out.write(line + '\n'),
    note: (line) => err.write(line + '\n'),
    json: (value) => out.write(JSON.stringify(value, null, 2) + '\n'),
  };
}

/** `claudeops: <sentence>`: the first line of the message only (the API's own message as it is), never a stack. */
export function errorLine(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const first = (raw.split('\n')[0] ?? '').trim().replace(/^error:\s*/i, '') || 'something went wrong';
  return `claudeops: ${first}`;
}
