import { type Stats, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { YAMLParseError, parse as parseYaml } from 'yaml';
import type { z } from '../../config/schema.js';
import { formatIssues } from '../../config/schema.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../telemetry/logger.js';

/** A parse result: the value, or why the file cannot be used (a message that quotes no value from the file). */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * A credentials file an authenticator re-reads when it changes (tokens,
 * htpasswd). Every `intervalMs` the file's status is compared with its
 * status when it was last read (which also catches a file replaced by
 * rename, or a Kubernetes secret's symlink swap); comparing with the last
 * read, not the last poll, means an edit made just as watching starts is
 * not missed. A read that fails, a file that does not parse, or a value
 * `apply` refuses leaves the credentials in use unchanged and logs why,
 * without any value from the file, so no secret reaches the log.
 */
export class WatchedFile<T> {
  private timer: NodeJS.Timeout | undefined;
  /** Status of the file as last read (applied or not), to tell an edit from no change. */
  private readStat: string | undefined;
  private polling = false;

  constructor(
    readonly path: string,
    private readonly intervalMs: number,
    private readonly parse: (text: string) => Parsed<T>,
    /** Installs a newly read value; returns an error message to refuse it. */
    private readonly apply: (value: T) => string | undefined,
    private readonly logger: Logger,
    /** What the file is, for messages: "tokens_file". */
    private readonly what: string,
  ) {}

  /** Reads and applies the file; throws TRIB_ERR_START_FAILED (at startup a bad file is fatal). */
  mustLoad(who: string): void {
    const r = this.read();
    const error = r.ok ? this.apply(r.value) : r.error;
    if (error !== undefined) throw new TributaryError(Errors.START_FAILED, `${who}: ${error}`);
  }

  watch(): void {
    if (this.intervalMs <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Re-reads the file now (what a change on disk triggers); returns whether the new content is in use. */
  reload(): boolean {
    const r = this.read();
    const error = r.ok ? this.apply(r.value) : r.error;
    if (error !== undefined) {
      this.logger.error({ file: this.path }, `${this.what} not reloaded, keeping the credentials in use: ${error}`);
      return false;
    }
    this.logger.info({ file: this.path }, `${this.what} reloaded`);
    return true;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const now = await stat(this.path).then(statKey, () => 'missing');
      if (now !== this.readStat && this.timer !== undefined) this.reload();
    } finally {
      this.polling = false;
    }
  }

  private read(): Parsed<T> {
    let text: string;
    try {
      // Status first: an edit between the two makes the next poll read again, never the reverse.
      this.readStat = statKey(statSync(this.path));
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      this.readStat = 'missing';
      return { ok: false, error: `cannot read ${this.what} ${this.path}: ${(err as NodeJS.ErrnoException).code ?? 'read error'}` };
    }
    const r = this.parse(text);
    return r.ok ? r : { ok: false, error: `${this.what} ${this.path}: ${r.error}` };
  }
}

function statKey(s: Stats): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/** Parses YAML (or JSON, which YAML 1.2 reads) against a schema, with messages that name paths and lines, never values. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string): Parsed<z.infer<S>> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const at = err.linePos?.[0];
      return { ok: false, error: `not valid YAML or JSON (${err.code}${at === undefined ? '' : ` at line ${at.line}, column ${at.col}`})` };
    }
    return { ok: false, error: 'not valid YAML or JSON' };
  }
  const parsed = schema.safeParse(doc);
  // No input given to formatIssues: messages name paths, never values.
  if (!parsed.success) return { ok: false, error: `invalid: ${formatIssues(parsed.error.issues, [], undefined).join('; ')}` };
  return { ok: true, value: parsed.data };
}
