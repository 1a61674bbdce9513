import { afterEach, describe, expect, it } from 'vitest';
import { Service } from '../../service.js';
import { buildConfigYaml } from '../../test-kit/config.js';
import { encodeRequest, gaugeRequest } from '../../test-kit/otlp-client.js';
import { silentLogger } from '../logger.js';
import type { StatusSnapshot } from './status-model.js';

const started: Service[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.shutdown()));
});

async function service(): Promise<{ base: string; otlp: string }> {
  const s = new Service(
    await buildConfigYaml(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
exporters: {"debug/<script>alert(1)</script>": {}}
service:
  telemetry: {metrics: {address: "127.0.0.1:0"}}
  pipelines: {metrics: {receivers: [otlp], exporters: ["debug/<script>alert(1)</script>"]}}`),
    { logger: silentLogger() },
  );
  started.push(s);
  await s.start();
  return { base: s.telemetry()!.baseUrl, otlp: s.endpoints()['receiver/otlp'].find((u) => u.startsWith('http'))! };
}

describe('status page routes', () => {
  it('serves the page as HTML with a strict policy, and / redirects to it', async () => {
    const { base } = await service();
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/status');
    const res = await fetch(`${base}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('debug/&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('class="state state-running">running</td>');
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
  });

  it('serves the same data as JSON, with live counts', async () => {
    const { base, otlp } = await service();
    const post = await fetch(otlp, { method: 'POST', body: encodeRequest(gaugeRequest('g', 1)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(post.status).toBe(200);
    const res = await fetch(`${base}/status?format=json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const s = (await res.json()) as StatusSnapshot;
    expect(s.phase).toBe('running');
    expect(s.components.map((c) => [c.key, c.state])).toEqual([
      ['receiver/otlp', 'running'],
      ['exporter/debug/<script>alert(1)</script>', 'running'],
    ]);
    expect(s.components[0].totals.accepted).toBe(1);
    expect(s.components[0].endpoints.length).toBeGreaterThan(0);
    expect((await fetch(`${base}/status?format=xml`)).status).toBe(400);
  });
});
