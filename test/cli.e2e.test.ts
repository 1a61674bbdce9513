import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from './kit/gateway.js';

/** `tributary validate` and the command line, as an operator runs them. */
function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('tributary validate', () => {
  it('exits 0 for a valid config, 1 with every problem for an invalid one, 2 for bad usage', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'receivers: {otlp: {protocols: {grpc: }}}\nexporters: {debug: }\nservice: {pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}}\n');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'receivers: {otlp: {protocols: {grpc: {endpoint: nope}}}}\nprocessors: {batch: {timeout: soon}}\nexporters: {debug: }\nservice: {pipelines: {metrics: {receivers: [otlp], processors: [batch], exporters: [debug]}}}\n');

    const ok = run(['validate', '--config', good]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/configuration is valid/);

    const ko = run(['validate', '--config', bad]);
    expect(ko.code).toBe(1);
    expect(ko.err).toMatch(/invalid configuration \(2 problems\)/);
    expect(ko.err).toMatch(/receivers::otlp::protocols::grpc::endpoint: must be an endpoint/);
    expect(ko.err).toMatch(/processors::batch::timeout: must be a duration like "30s"/);

    const missing = run(['validate', '--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/TRIB_ERR_CONFIG_SOURCE: --config .*nope.yaml: cannot read the file \(no such file\)/);

    expect(run(['validate']).code).toBe(2);
    expect(run(['frobnicate']).code).toBe(2);
    expect(run(['--bogus']).code).toBe(2);
  });

  it('lists its components', () => {
    const r = run(['components']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/receivers: .*otlp/);
    expect(r.out).toMatch(/exporters: .*prometheus/);
  });

  it('exits 1 with the reason when a port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dir = await tempDir();
      const cfg = join(dir, 'c.yaml');
      writeFileSync(cfg, `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}}\nexporters: {debug: }\nservice: {telemetry: {metrics: {level: none}}, pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}}\n`);
      const r = run(['--config', cfg]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
