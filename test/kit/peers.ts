import { spawnSync } from 'node:child_process';

/**
 * Checks for a peer program the end-to-end tests run against; a missing
 * one fails the test with the command that installs it (never a skip).
 */
export function requireProgram(name: string, debianPackage: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || path === '') {
    throw new Error(`${name} is not installed; install it with: apt-get install -y ${debianPackage} (npm test does this via scripts/test-peers.sh)`);
  }
  return path;
}
