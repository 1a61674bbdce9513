import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequest, gaugeRequest, grpcExport } from '../src/test-kit/otlp-client.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts } from './kit/ports.js';

/**
 * Core acceptance: bad input gets its status and the gateway keeps serving;
 * SIGTERM under steady load loses nothing that was acknowledged.
 */

function config(ports: { grpc: number; http: number; hc: number; tel: number }, extra = ''): string {
  return `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:${ports.grpc}", max_recv_msg_size_mib: 1}
      http: {endpoint: "127.0.0.1:${ports.http}", max_request_body_size: 1048576}
processors:
  batch: {timeout: 50ms, send_batch_size: 500}
exporters:
  file: {path: ./out.jsonl}
extensions:
  health_check: {endpoint: "127.0.0.1:${ports.hc}"}
service:
  extensions: [health_check]
  telemetry: {metrics: {address: "127.0.0.1:${ports.tel}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [batch], exporters: [file]}
${extra}`;
}

describe('bad input against a running gateway', () => {
  let gw: GatewayProcess;
  let url: string;
  let grpcAddr: string;

  beforeAll(async () => {
    const [grpc, http, hc, tel] = await freePorts(4);
    url = `http://127.0.0.1:${http}/v1/metrics`;
    grpcAddr = `127.0.0.1:${grpc}`;
    gw = await startGateway(config({ grpc, http, hc, tel }), { readyUrl: `http://127.0.0.1:${hc}/` });
  });
  afterAll(async () => {
    expect(await gw.stop(), gw.logs()).toBe(0);
  });

  const valid = () => encodeRequest(gaugeRequest('ok', 1));
  const cases: [string, () => RequestInit, number][] = [
    ['truncated protobuf', () => ({ body: valid().subarray(0, 25), headers: { 'content-type': 'application/x-protobuf' } }), 400],
    ['invalid JSON', () => ({ body: '{"resourceMetrics":[{', headers: { 'content-type': 'application/json' } }), 400],
    ['wrong content type', () => ({ body: 'metric 1', headers: { 'content-type': 'text/plain' } }), 415],
    ['empty JSON body', () => ({ body: '', headers: { 'content-type': 'application/json' } }), 400],
    ['body over the limit', () => ({ body: Buffer.alloc(2 * 1024 * 1024, 7), headers: { 'content-type': 'application/x-protobuf' } }), 413],
    ['gzip bomb', () => ({ body: gzipSync(Buffer.alloc(64 * 1024 * 1024)), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } }), 413],
  ];

  it.each(cases)('%s -> %s over HTTP, then a valid request succeeds', async (_n, init, status) => {
    const res = await fetch(url, { method: 'POST', ...init() });
    expect(res.status).toBe(status);
    const ok = await fetch(url, { method: 'POST', body: valid(), headers: { 'content-type': 'application/x-protobuf' } });
    expect(ok.status).toBe(200);
  });

  it('partial success reports the rejected count', async () => {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'p', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: 1 }, { asDouble: 2 }, { timeUnixNano: '1' }] } }] }] }] }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedDataPoints).toBe('2');
    expect(body.partialSuccess.errorMessage).toMatch(/rejected/);
  });

  it('gRPC: truncated message, over-size message, gzip bomb; then a valid call succeeds', async () => {
    expect((await grpcExport(grpcAddr, valid().subarray(0, 20))).code).toBe(3);
    expect((await grpcExport(grpcAddr, encodeRequest(gaugeRequest('x'.repeat(2 * 1024 * 1024))))).code).toBe(8);
    expect((await grpcExport(grpcAddr, encodeRequest(gaugeRequest('y'.repeat(8 * 1024 * 1024))), { gzip: true })).code).toBe(8);
    expect((await grpcExport(grpcAddr, valid())).code).toBe(0);
  });
});

describe('SIGTERM under steady load', () => {
  it('every request answered with success reaches the file exporter before exit', async () => {
    const [grpc, http, hc, tel] = await freePorts(4);
    const gw = await startGateway(config({ grpc, http, hc, tel }), { readyUrl: `http://127.0.0.1:${hc}/` });
    const url = `http://127.0.0.1:${http}/v1/metrics`;
    const acked = new Set<string>();
    let refused = 0;
    let stopAt = Date.now() + 15_000;
    const worker = async (w: number): Promise<void> => {
      for (let seq = 0; seq < 3000 && Date.now() < stopAt; seq++) {
        const id = `${w}-${seq}`;
        const body = encodeRequest({
          resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'load', gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', asDouble: seq, attributes: [{ key: 'req', value: { stringValue: id } }] }] } }] }] }],
        });
        try {
          const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
          await res.arrayBuffer();
          if (res.status === 200) acked.add(id);
          else refused++;
        } catch {
          // Connection refused or reset: the gateway has stopped listening.
          return;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await new Promise((r) => setTimeout(r, 1500));
    const ackedBeforeSignal = acked.size;
    gw.signal('SIGTERM');
    const code = await gw.exited;
    stopAt = 0;
    await load;
    expect(code).toBe(0);
    expect(ackedBeforeSignal).toBeGreaterThan(20);

    const text = await readFile(join(gw.dir, 'out.jsonl'), 'utf8');
    const written = new Set<string>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      for (const m of line.matchAll(/"key":"req","value":\{"stringValue":"([0-9]+-[0-9]+)"\}/g)) written.add(m[1]);
    }
    const lost = [...acked].filter((id) => !written.has(id));
    expect(lost, `${lost.length} acknowledged requests missing (of ${acked.size}; ${refused} refused)`).toEqual([]);
  });
});
