import { type Stats, readFileSync, unwatchFile, watchFile } from 'node:fs';
import { YAMLParseError, parse as parseYaml } from 'yaml';
import { formatIssues } from '../../config/schema.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../telemetry/logger.js';
import { type CredentialConfig, credentialsFileSchema, duplicateKeyIds } from './config.js';
import { Credential } from './credential.js';

/**
 * The access keys a receiver accepts: those in its config, plus those in
 * its credentials file. The file is re-read when it changes on disk (polled
 * every `reloadIntervalMs`, which also catches a file replaced by rename or
 * a Kubernetes secret's symlink swap). A file that fails to read or validate
 * leaves the keys in use unchanged and logs why, naming the line but never a
 * value, so no secret can reach the log.
 */
export class CredentialStore {
  private byId = new Map<string, Credential>();
  private watching = false;

  constructor(
    private readonly inline: readonly CredentialConfig[],
    private readonly file: string | undefined,
    private readonly reloadIntervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Loads everything; throws TRIB_ERR_START_FAILED (at startup a bad file is fatal). */
  mustLoad(who: string): void {
    const r = this.read();
    if (typeof r === 'string') throw new TributaryError(Errors.START_FAILED, `${who}: ${r}`);
    this.byId = r;
  }

  /** Starts watching the file, if there is one and reloading is on. */
  watch(): void {
    if (this.file === undefined || this.reloadIntervalMs <= 0 || this.watching) return;
    this.watching = true;
    watchFile(this.file, { interval: this.reloadIntervalMs, persistent: false }, this.onChange);
  }

  stop(): void {
    if (!this.watching || this.file === undefined) return;
    unwatchFile(this.file, this.onChange);
    this.watching = false;
  }

  lookup(accessKeyId: string): Credential | undefined {
    return this.byId.get(accessKeyId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Re-reads the file now (also what a change on disk triggers). Returns whether the new keys are in use. */
  reload(): boolean {
    const r = this.read();
    if (typeof r === 'string') {
      this.logger.error({ file: this.file }, `credentials file not reloaded, keeping the ${this.byId.size} keys in use: ${r}`);
      return false;
    }
    // Keep unchanged credentials (and their derived signing keys).
    for (const [id, c] of r) {
      const old = this.byId.get(id);
      if (old !== undefined && old.sameAs(c)) r.set(id, old);
    }
    const added = [...r.keys()].filter((id) => !this.byId.has(id)).length;
    const removed = [...this.byId.keys()].filter((id) => !r.has(id)).length;
    this.byId = r;
    this.logger.info({ file: this.file, keys: r.size, added, removed }, 'credentials file reloaded');
    return true;
  }

  private readonly onChange = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
    this.reload();
  };

  /** The full key set, or why it cannot be built. */
  private read(): Map<string, Credential> | string {
    let fromFile: CredentialConfig[] = [];
    if (this.file !== undefined) {
      const r = readCredentialsFile(this.file);
      if (typeof r === 'string') return r;
      fromFile = r;
    }
    const all = [...this.inline, ...fromFile];
    const dup = duplicateKeyIds(all);
    if (dup.length > 0) return `access_key_id ${dup.map((d) => `"${d}"`).join(', ')} appears more than once (in credentials and credentials_file together)`;
    if (all.length === 0) return 'no credentials: the credentials file holds no keys and the config lists none';
    return new Map(all.map((c) => [c.access_key_id, new Credential(c.access_key_id, c.secret_access_key, c.attributes)]));
  }
}

/** Reads and validates a credentials file; on failure returns a message without any value from the file. */
export function readCredentialsFile(path: string): CredentialConfig[] | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return `cannot read credentials_file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'read error'}`;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML 1.2 reads JSON too
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const at = err.linePos?.[0];
      return `credentials_file ${path} is not valid YAML or JSON (${err.code}${at === undefined ? '' : ` at line ${at.line}, column ${at.col}`})`;
    }
    return `credentials_file ${path} is not valid YAML or JSON`;
  }
  const parsed = credentialsFileSchema.safeParse(doc);
  if (!parsed.success) {
    // No input given to formatIssues: messages name paths, never values.
    return `credentials_file ${path} is invalid: ${formatIssues(parsed.error.issues, [], undefined).join('; ')}`;
  }
  return parsed.data.credentials;
}
