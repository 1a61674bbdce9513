import { readFile } from 'node:fs/promises';
import { ConfigSourceError } from '../config-error.js';
import type { ConfigSource, SourceEnv } from './source.js';

/** The local sources: a file path (or `file:path`), inline `yaml:...`, and `env:VAR` holding YAML. */

export const yamlSource: ConfigSource = {
  handles: (uri) => uri.startsWith('yaml:'),
  read: async (uri) => uri.slice('yaml:'.length),
};

export function envSource(env: SourceEnv): ConfigSource {
  return {
    handles: (uri) => /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(uri),
    read: async (uri) => {
      const name = uri.slice(4);
      const v = env[name];
      if (v === undefined) throw new ConfigSourceError(`--config ${uri}: environment variable ${name} is not set`);
      return v;
    },
  };
}

export const fileSource: ConfigSource = {
  handles: (uri) => !/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('file:'),
  read: async (uri) => {
    const path = uri.startsWith('file:') ? uri.slice(5) : uri;
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new ConfigSourceError(`--config ${uri}: cannot read the file (${why})`, err);
    }
  },
};
