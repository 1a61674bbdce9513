import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from './components.js';
import { buildGatewayConfig } from './config/gateway-config.js';
import { loadConfig } from './config/load.js';
import { resolveConfig } from './main.js';
import { Service } from './service.js';
import { silentLogger } from './telemetry/logger.js';

async function service(yaml: string): Promise<Service> {
  const { raw } = await loadConfig([`yaml:${yaml}`], { env: {} });
  return new Service(buildGatewayConfig(raw, builtinRegistry()), { logger: silentLogger() });
}

const started: Service[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.shutdown()));
});

describe('service', () => {
  it('is ready only while running: not before start, not while draining', async () => {
    const s = await service(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
processors: {batch: {timeout: 10s}}
exporters: {debug: }
extensions: {health_check: {endpoint: "127.0.0.1:0"}}
service: {extensions: [health_check], telemetry: {metrics: {address: "127.0.0.1:0"}}, pipelines: {metrics: {receivers: [otlp], processors: [batch], exporters: [debug]}}}`);
    expect(s.phase()).toBe('starting');
    await s.start();
    started.push(s);
    const health = s.endpoints()['extension/health_check'][0];
    expect((await fetch(health)).status).toBe(200);
    expect((await fetch(health.replace(/\/$/, '/livez'))).status).toBe(200);
    const stopping = s.shutdown();
    expect(s.phase()).toBe('draining');
    await stopping;
    expect(s.phase()).toBe('stopped');
  });

  it('reports readiness false to the health check while draining', async () => {
    const s = await service(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
exporters: {debug: }
extensions: {health_check: {endpoint: "127.0.0.1:0"}}
service: {extensions: [health_check], telemetry: {metrics: {level: none}}, pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}}`);
    await s.start();
    started.push(s);
    const ext = s.getExtension('health_check')!;
    const url = ext.endpoints!()[0];
    // Simulate the draining phase as seen by extensions, which stop last.
    (s as unknown as { currentPhase: string }).currentPhase = 'draining';
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'Server not available', phase: 'draining' });
  });

  it('shuts down what started when a later component fails to start', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const s = await service(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}}
exporters: {prometheus: {endpoint: "127.0.0.1:0"}}
service: {telemetry: {metrics: {level: none}}, pipelines: {metrics: {receivers: [otlp], exporters: [prometheus]}}}`);
    try {
      await expect(s.start()).rejects.toThrow(/EADDRINUSE/);
      expect(s.phase()).toBe('stopped');
    } finally {
      blocker.close();
    }
  });
});

describe('embedded default', () => {
  it('adds the AMP path through sigv4auth when AWS_PROMETHEUS_ENDPOINT and AWS_REGION are set', async () => {
    const endpoint = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123/api/v1/remote_write';
    const { config } = await resolveConfig([], { env: { AWS_PROMETHEUS_ENDPOINT: endpoint, AWS_REGION: 'eu-west-1' }, out: () => undefined, err: () => undefined });
    expect(config.pipelines[0].exporters).toEqual(['prometheus', 'debug', 'prometheusremotewrite/amp']);
    const prw = config.components.exporter.get('prometheusremotewrite/amp')!.config as { endpoint: string; auth: { authenticator: string } };
    expect(prw).toMatchObject({ endpoint, auth: { authenticator: 'sigv4auth' } });
    expect(config.components.extension.get('sigv4auth')!.config).toMatchObject({ region: 'eu-west-1', service: 'aps' });
    expect(config.service.extensions).toEqual(['health_check', 'sigv4auth']);
  });

  it('takes --set values on top, with :: between keys', async () => {
    const { config } = await resolveConfig([], { env: {}, out: () => undefined, err: () => undefined }, ['processors::batch::timeout=2s', 'receivers::otlp::protocols::grpc::endpoint=127.0.0.1:1234']);
    expect((config.components.processor.get('batch')!.config as { timeout: number }).timeout).toBe(2000);
    expect((config.components.receiver.get('otlp')!.config as { protocols: { grpc: { endpoint: string } } }).protocols.grpc.endpoint).toBe('127.0.0.1:1234');
  });

  it('runs otlp (gRPC and HTTP) -> batch -> prometheus + debug on localhost, with the health check', async () => {
    const { config } = await resolveConfig([], { env: {}, out: () => undefined, err: () => undefined });
    expect(config.pipelines).toEqual([{ name: 'metrics', receivers: ['otlp'], processors: ['batch'], exporters: ['prometheus', 'debug'] }]);
    const otlp = config.components.receiver.get('otlp')!.config as { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } };
    expect(otlp.protocols.grpc.endpoint).toBe('localhost:4317');
    expect(otlp.protocols.http.endpoint).toBe('localhost:4318');
    expect((config.components.exporter.get('prometheus')!.config as { endpoint: string }).endpoint).toBe('localhost:8889');
    expect(config.service.extensions).toEqual(['health_check']);
  });
});
