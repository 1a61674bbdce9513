import { YAMLParseError, parse } from 'yaml';
import { ConfigError, ConfigSourceError } from './config-error.js';
import { expandEnv } from './expand.js';
import { mergeConfigs } from './merge.js';
import { type ConfigSource, builtinSources } from './sources/index.js';

export interface LoadOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Extra sources tried before the built-in ones (tests). */
  readonly sources?: readonly ConfigSource[];
}

export interface LoadedConfig {
  readonly raw: Record<string, unknown>;
  /** Things worth a log line that are not errors (unset environment variables). */
  readonly warnings: readonly string[];
}

/** Reads every --config value, parses YAML, expands environment references, merges in order. */
export async function loadConfig(uris: readonly string[], opts: LoadOptions): Promise<LoadedConfig> {
  const sources = [...(opts.sources ?? []), ...builtinSources(opts.env)];
  const warnings: string[] = [];
  const docs: unknown[] = [];
  const problems: string[] = [];
  for (const uri of uris) {
    const source = sources.find((s) => s.handles(uri));
    if (source === undefined) throw new ConfigSourceError(`--config ${uri}: no config source handles this scheme`);
    const text = await source.read(uri);
    let doc: unknown;
    try {
      doc = parse(text, { prettyErrors: true, uniqueKeys: true });
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const where = err.linePos?.[0] ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
        problems.push(`${uri}: not valid YAML${where}: ${err.message.split('\n')[0]}`);
        continue;
      }
      throw err;
    }
    if (doc === null || doc === undefined) doc = {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`${uri}: the top level must be a map (receivers, processors, exporters, extensions, service)`);
      continue;
    }
    docs.push(
      expandEnv(doc, {
        env: opts.env,
        onUnset: (name, path) => warnings.push(`${path}: environment variable ${name} is not set; using an empty value`),
      }),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { raw: mergeConfigs(docs), warnings };
}
