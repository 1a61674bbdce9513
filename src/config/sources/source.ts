import { parseDuration } from '../schema.js';

/**
 * Where `--config` values come from, as Collector config providers. Each
 * scheme is one small source: file paths (and `file:`, `yaml:`, `env:`),
 * `ssm:`, `s3://`, `https://`. loadConfig asks them in order and the first
 * whose `handles` says yes reads the value.
 */
export interface ConfigSource {
  /** Returns true if this source reads the given --config value. */
  handles(uri: string): boolean;
  /** The YAML text; rejects with a ConfigSourceError that names the uri and says what went wrong. */
  read(uri: string): Promise<string>;
}

export type SourceEnv = Readonly<Record<string, string | undefined>>;

/** Bound on one remote read (all retries included), unless TRIBUTARY_CONFIG_SOURCE_TIMEOUT says otherwise. */
export const DEFAULT_SOURCE_TIMEOUT_MS = 30_000;

/** Remote configs larger than this are refused: a config is kilobytes, a mistake can be gigabytes. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The timeout for remote sources from TRIBUTARY_CONFIG_SOURCE_TIMEOUT (a duration like "10s"). */
export function sourceTimeoutMs(env: SourceEnv): number {
  const v = env.TRIBUTARY_CONFIG_SOURCE_TIMEOUT;
  if (v === undefined || v.trim() === '') return DEFAULT_SOURCE_TIMEOUT_MS;
  const ms = parseDuration(v);
  return ms !== undefined && ms > 0 ? ms : DEFAULT_SOURCE_TIMEOUT_MS;
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
