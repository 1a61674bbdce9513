import { type Stats, readFileSync, unwatchFile, watchFile } from 'node:fs';
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
 * htpasswd). The file is polled every `intervalMs` (which also catches a
 * file replaced by rename, or a Kubernetes secret's symlink swap). A read
 * that fails, a file that does not parse, or a value `apply` refuses leaves
 * the credentials in use unchanged and logs why, without any value from the
 * file, so no secret reaches the log.
 */
export class WatchedFile<T> {
  private watching = false;

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
    if (this.intervalMs <= 0 || this.watching) return;
    this.watching = true;
    watchFile(this.path, { interval: this.intervalMs, persistent: false }, this.onChange);
  }

  stop(): void {
    if (!this.watching) return;
    unwatchFile(this.path, this.onChange);
    this.watching = false;
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

  private readonly onChange = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
    this.reload();
  };

  private read(): Parsed<T> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      return { ok: false, error: `cannot read ${this.what} ${this.path}: ${(err as NodeJS.ErrnoException).code ?? 'read error'}` };
    }
    const r = this.parse(text);
    return r.ok ? r : { ok: false, error: `${this.what} ${this.path}: ${r.error}` };
  }
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
