// Concise structured log lines on stderr for the runner daemon; every runner module logs through this.
// Lines look like `2025-01-01T00:00:00.000Z INFO connection connected runnerId=rn_…`. Never pass a token here.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const settings: { level: LogLevel; write: (line: string) => void } = {
  level: parseLevel(process.env.CLAUDEOPS_LOG_LEVEL) ?? 'info',
  write: (line) => process.stderr.write(line + '\n'),
};

function parseLevel(value: string | undefined): LogLevel | undefined {
  return value !== undefined && value in RANK ? (value as LogLevel) : undefined;
}

/** Changes the level or the sink for every logger (tests silence the runner; the CLI honours CLAUDEOPS_LOG_LEVEL). */
export function configureLogging(options: { level?: LogLevel; write?: (line: string) => void }): void {
  if (options.level) settings.level = options.level;
  if (options.write) settings.write = options.write;
}

function formatValue(value: string | number | boolean | null): string {
  const text = String(value);
  // Quote only what would otherwise be ambiguous, so the common case stays easy to read and to grep.
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

function line(level: Exclude<LogLevel, 'silent'>, scope: string, message: string, fields?: LogFields): string {
  let out = `${new Date().toISOString()} ${level.toUpperCase()} ${scope} ${message}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value !== undefined) out += ` ${key}=${formatValue(value)}`;
  }
  return out;
}

export function createLogger(scope: string): Logger {
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: LogFields): void => {
      if (RANK[level] >= RANK[settings.level]) settings.write(line(level, scope, message, fields));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (sub) => createLogger(`${scope}.${sub}`),
  };
}

/** The message of anything thrown, for a log field. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
