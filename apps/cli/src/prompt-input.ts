// Reading what `claudeops login` asks for: a line from stdin, or a token typed on a terminal without echo.
import { createInterface } from 'node:readline';
import type { Stdin } from './context';
import type { Sink } from './output';

/** All of stdin, trimmed (for `--token-stdin` and piped input). */
export async function readAll(stdin: Stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** One line, the question written to `err` (stdout stays data). */
export function askLine(stdin: Stdin, err: Sink, question: string): Promise<string> {
  const rl = createInterface({ input: stdin, terminal: false });
  err.write(question);
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

/** A secret typed on a terminal: raw mode, nothing echoed; Enter ends it, Ctrl-C aborts. */
export function askHidden(stdin: Stdin, err: Sink, question: string): Promise<string> {
  err.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode?.(true);
    stdin.resume();
    const done = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      err.write('\n');
      if (error) reject(error);
      else resolve(value.trim());
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new Error('login aborted'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
