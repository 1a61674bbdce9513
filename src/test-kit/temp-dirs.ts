import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary directories for tests, removed after each test file by the
 * vitest setup file (test/kit/remove-temp-dirs.setup.ts): a full run makes
 * hundreds (gateways, Prometheus, vmagent, certificates, queues), and a
 * developer's or CI machine should not keep them.
 */
const made = new Set<string>();

export function testTempDir(prefix = 'tributary-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every directory made so far (what a test still runs from is its own to stop first). */
export function removeTestTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  made.clear();
}
