import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from './node-flags.js';

const ROOT = resolve(import.meta.dirname, '..');
const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');

describe('the gateway runs with NODE_FLAGS everywhere it is started', () => {
  it('in the image ENTRYPOINT', () => {
    const line = read('Dockerfile')
      .split('\n')
      .find((l) => l.startsWith('ENTRYPOINT '));
    expect(JSON.parse(line!.slice('ENTRYPOINT '.length))).toEqual(['node', ...NODE_FLAGS, '/app/dist/cli.js']);
  });

  it('in npm start', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(['node', ...NODE_FLAGS, 'dist/cli.js'].join(' '));
  });

  it("in the CLI's shebang, for the installed bin", () => {
    expect(read('src/cli.ts').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('are flags this Node.js accepts', () => {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'ok', '']);
  });
});
