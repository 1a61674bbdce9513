import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

/**
 * Structured JSON logs (pino). Components get a child logger carrying their
 * kind and id. Hot paths never log per data point; repeated lines go through
 * `throttle`, which lets one line through per interval and counts the rest.
 */
export type Logger = PinoLogger;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where to write; stderr by default, as the Collector does. */
  readonly destination?: DestinationStream;
  /** Fixed fields on every line (service name, instance id). */
  readonly base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.base ?? { service: 'tributary' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that writes nowhere, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Returns a log function that writes a given key at most once per interval;
 * the next line that gets through says how many were suppressed.
 */
export function throttle(logger: Logger, intervalMs = 10_000): (level: Level, key: string, fields: Record<string, unknown>, msg: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (level, key, fields, msg) => {
    const now = Date.now();
    const s = last.get(key);
    if (s !== undefined && now - s.at < intervalMs) {
      s.suppressed++;
      return;
    }
    const suppressed = s?.suppressed ?? 0;
    if (last.size > 10_000) last.clear(); // bound the memory of distinct keys
    last.set(key, { at: now, suppressed: 0 });
    logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  };
}
