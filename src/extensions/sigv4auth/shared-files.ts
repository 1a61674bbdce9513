import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './aws-network.js';

/**
 * The AWS shared credentials and config files, as the SDKs locate them
 * (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, else ~/.aws/credentials
 * and ~/.aws/config), watched so that rotated keys take effect without a
 * restart.
 */
export function sharedFilePaths(env: Env): string[] {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const expand = (p: string): string => (p.startsWith('~/') ? join(home, p.slice(2)) : p);
  return [
    expand(env.AWS_SHARED_CREDENTIALS_FILE?.trim() || join(home, '.aws', 'credentials')),
    expand(env.AWS_CONFIG_FILE?.trim() || join(home, '.aws', 'config')),
  ];
}

export interface FileWatch {
  close(): void;
}

/**
 * Calls onChange(path) when a file is created, changed, replaced or removed.
 * Polls with stat (fs.watchFile) rather than inotify: it follows editors and
 * tools that replace the file by rename, works for files that do not exist
 * yet, and costs one stat per file per interval. Does not keep the process
 * alive.
 */
export function watchFiles(paths: readonly string[], onChange: (path: string) => void, intervalMs = 2_000): FileWatch {
  const listeners = paths.map((path) => {
    const listener = (cur: Stats, prev: Stats): void => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.ctimeMs !== prev.ctimeMs || cur.size !== prev.size || cur.ino !== prev.ino) onChange(path);
    };
    watchFile(path, { persistent: false, interval: intervalMs }, listener);
    return { path, listener };
  });
  return {
    close: () => {
      for (const l of listeners) unwatchFile(l.path, l.listener);
    },
  };
}
