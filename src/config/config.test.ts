import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../components.js';
import { expandEnv } from './expand.js';
import { loadConfig } from './load.js';
import { mergeConfigs } from './merge.js';
import { parseDuration } from './schema.js';
import { buildConfigYaml, configProblems } from '../test-kit/config.js';

const build = (yaml: string, env: Record<string, string> = {}) => buildConfigYaml(yaml, builtinRegistry(), env);
const problems = (yaml: string) => configProblems(yaml);

const PIPE = `
service:
  pipelines:
    metrics: {receivers: [otlp], processors: [batch], exporters: [debug]}`;

describe('invalid configurations, each with the error it must produce', () => {
  const cases: [string, string, RegExp[]][] = [
    ['unknown receiver type', `receivers: {foo: {}}\nexporters: {debug: {}}\nservice: {pipelines: {metrics: {receivers: [foo], exporters: [debug]}}}`, [
      /^receivers::foo: unknown receiver type "foo"; valid types are: ([a-z_]+, )*otlp\b/,
    ]],
    ['Collector type not implemented', `receivers: {hostmetrics: {}, otlp: {protocols: {grpc: }}}\nexporters: {debug: }\n${PIPE.replace('processors: [batch], ', '')}`, [
      /^receivers::hostmetrics: "hostmetrics" is an OpenTelemetry Collector receiver that Tributary does not implement yet; Tributary's receivers are: /,
    ]],
    ['unknown key lists the valid ones', `receivers: {otlp: {protocols: {grpc: {endpont: "localhost:1"}}}}\nprocessors: {batch: }\nexporters: {debug: }\n${PIPE}`, [
      /^receivers::otlp::protocols::grpc: unknown key "endpont"; valid keys are: auth, endpoint, include_metadata, /,
    ]],
    ['bad duration names path, expectation and value', `receivers: {otlp: {protocols: {http: }}}\nprocessors: {batch: {timeout: soon}}\nexporters: {debug: }\n${PIPE}`, [
      /^processors::batch::timeout: must be a duration like "30s", "500ms" or "1m30s" \(got "soon"\)$/,
    ]],
    ['bad endpoint', `receivers: {otlp: {protocols: {grpc: {endpoint: "localhost"}}}}\nprocessors: {batch: }\nexporters: {debug: }\n${PIPE}`, [
      /^receivers::otlp::protocols::grpc::endpoint: must be an endpoint like "localhost:4317" .*\(got "localhost"\)$/,
    ]],
    ['wrong type for a number', `receivers: {otlp: {protocols: {grpc: }}}\nprocessors: {batch: {send_batch_size: "lots"}}\nexporters: {debug: }\n${PIPE}`, [
      /^processors::batch::send_batch_size: must be a whole number \(got "lots"\)$/,
    ]],
    ['cross-field check', `receivers: {otlp: {protocols: {grpc: }}}\nprocessors: {batch: {send_batch_size: 100, send_batch_max_size: 10}}\nexporters: {debug: }\n${PIPE}`, [
      /^processors::batch::send_batch_max_size: must be 0 or at least send_batch_size \(100\) \(got 10\)$/,
    ]],
    ['receiver with no protocol', `receivers: {otlp: {}}\nprocessors: {batch: }\nexporters: {debug: }\n${PIPE}`, [
      /^receivers::otlp::protocols: at least one of grpc or http must be set/,
    ]],
    ['pipeline references a missing component', `receivers: {otlp: {protocols: {grpc: }}}\nexporters: {debug: }\n${PIPE}`, [
      /^service::pipelines::metrics::processors::0: processor "batch" is not configured under processors$/,
    ]],
    ['traces pipeline', `receivers: {otlp: {protocols: {grpc: }}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}`, [
      /^service::pipelines::traces: "traces" pipelines are not supported; Tributary is a metrics gateway/,
    ]],
    ['pipeline without exporters', `receivers: {otlp: {protocols: {grpc: }}}\nservice: {pipelines: {metrics: {receivers: [otlp]}}}`, [
      /^service::pipelines::metrics::exporters: a pipeline needs at least one exporter$/,
    ]],
    ['unknown top-level key', `recievers: {}\n`, [/^recievers: unknown top-level key; valid keys are: receivers, processors, exporters, extensions, service$/]],
    ['service extension not configured', `receivers: {otlp: {protocols: {grpc: }}}\nexporters: {debug: }\nservice: {extensions: [health_check], pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}}`, [
      /^service::extensions::0: extension "health_check" is not configured under extensions$/,
    ]],
    ['enum value', `receivers: {otlp: {protocols: {grpc: }}}\nexporters: {debug: {verbosity: loud}}\nservice: {pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}}`, [
      /^exporters::debug::verbosity: must be one of: basic, normal, detailed \(got "loud"\)$/,
    ]],
    ['bad component id', `receivers: {"otlp/": {}}\nexporters: {debug: }\nservice: {pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}}`, [
      /^receivers::otlp\/: not a valid component id/,
    ]],
  ];

  it.each(cases)('%s', async (_name, yaml, expected) => {
    const got = await problems(yaml);
    for (const re of expected) expect(got.some((p) => re.test(p)), `${re} in:\n${got.join('\n')}`).toBe(true);
  });

  it('reports every problem at once', async () => {
    const got = await problems(`receivers: {otlp: {protocols: {grpc: {endpoint: x}}}, foo: {}}\nprocessors: {batch: {timeout: soon}}\nexporters: {debug: {verbosity: loud}}\n${PIPE}`);
    expect(got.length).toBeGreaterThanOrEqual(4);
  });

  it('reports YAML syntax errors with the line', async () => {
    await expect(loadConfig(['yaml:receivers:\n  otlp: [\n'], { env: {} })).rejects.toThrow(/not valid YAML at line \d+/);
  });
});

describe('valid configurations', () => {
  it('fills component defaults under user values and freezes the result', async () => {
    const cfg = await build(`receivers: {otlp: {protocols: {grpc: , http: {endpoint: "0.0.0.0:4318"}}}}\nprocessors: {batch: {timeout: 1s}}\nexporters: {debug: }\n${PIPE}`);
    const otlp = cfg.components.receiver.get('otlp')!.config as { protocols: { grpc: { endpoint: string }; http: { endpoint: string; max_request_body_size: number } } };
    expect(otlp.protocols.grpc.endpoint).toBe('localhost:4317');
    expect(otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(otlp.protocols.http.max_request_body_size).toBe(20 * 1024 * 1024);
    const batch = cfg.components.processor.get('batch')!.config as { timeout: number; send_batch_size: number };
    expect(batch).toMatchObject({ timeout: 1000, send_batch_size: 8192 });
    expect(Object.isFrozen(batch)).toBe(true);
    expect(cfg.service.shutdown_timeout).toBe(30_000);
  });

  it('accepts named components and several pipelines', async () => {
    const cfg = await build(`
receivers: {otlp: {protocols: {grpc: }}, "otlp/2": {protocols: {http: }}}
processors: {batch: , "batch/big": {send_batch_size: 10000}}
exporters: {debug: , "file/out": {path: /tmp/x.json}}
service:
  pipelines:
    metrics: {receivers: [otlp, otlp/2], processors: [batch], exporters: [debug]}
    metrics/archive: {receivers: [otlp], processors: [batch/big], exporters: [file/out]}`);
    expect(cfg.pipelines.map((p) => p.name)).toEqual(['metrics', 'metrics/archive']);
  });

  it('merges several sources in order', async () => {
    const { raw } = await loadConfig(
      ['yaml:receivers: {otlp: {protocols: {grpc: {endpoint: "a:1"}}}}', 'yaml:receivers: {otlp: {protocols: {grpc: {include_metadata: true}}}}'],
      { env: {} },
    );
    expect(raw).toEqual({ receivers: { otlp: { protocols: { grpc: { endpoint: 'a:1', include_metadata: true } } } } });
  });
});

describe('configs written for ADOT', () => {
  it('loads the AMP remote-write configuration from the ADOT documentation unchanged', async () => {
    const cfg = await build(
      `
extensions:
  sigv4auth:
    region: "us-west-2"
    service: "aps"
  health_check:
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
      http:
        endpoint: 0.0.0.0:4318
processors:
  batch/metrics:
    timeout: 60s
exporters:
  prometheusremotewrite:
    endpoint: "https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-12345678-1234-1234-1234-123456789012/api/v1/remote_write"
    auth:
      authenticator: sigv4auth
    resource_to_telemetry_conversion:
      enabled: true
    retry_on_failure:
      enabled: true
      initial_interval: 1s
      max_interval: 10s
      max_elapsed_time: 30s
  debug:
    verbosity: detailed
service:
  extensions: [health_check, sigv4auth]
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [batch/metrics]
      exporters: [prometheusremotewrite, debug]
`,
      { ROLE: 'x' },
    );
    expect(cfg.pipelines[0].exporters).toEqual(['prometheusremotewrite', 'debug']);
    expect(cfg.components.exporter.get('prometheusremotewrite')!.config).toMatchObject({ resource_to_telemetry_conversion: { enabled: true }, retry_on_failure: { max_elapsed_time: 30_000 } });
  });

  it('accepts the newer alias prometheus_remote_write', async () => {
    const cfg = await build(`receivers: {otlp: {protocols: {grpc: }}}\nexporters: {prometheus_remote_write: {endpoint: "http://localhost:9090/api/v1/write"}}\nservice: {pipelines: {metrics: {receivers: [otlp], exporters: [prometheus_remote_write]}}}`);
    expect(cfg.components.exporter.has('prometheus_remote_write')).toBe(true);
  });
});

describe('environment expansion', () => {
  const env = { PORT: '4317', HOST: 'gw.example', EMPTY: '' };
  it.each([
    ['${env:HOST}:${env:PORT}', 'gw.example:4317'],
    ['${HOST}', 'gw.example'],
    ['${env:PORT}', 4317],
    ['${env:MISSING:-fallback}', 'fallback'],
    ['${env:EMPTY:-fallback}', 'fallback'],
    ['$${env:HOST}', '${env:HOST}'],
    ['cost: $$5', 'cost: $5'],
    ['${env:MISSING}', ''],
  ])('%s -> %s', (input, want) => {
    expect(expandEnv(input, { env })).toEqual(want);
  });

  it('warns about unset variables with their path', async () => {
    const { warnings } = await loadConfig(['yaml:exporters: {debug: {verbosity: "${env:NOPE}"}}'], { env: {} });
    expect(warnings).toEqual(['exporters::debug::verbosity: environment variable NOPE is not set; using an empty value']);
  });
});

describe('helpers', () => {
  it.each([
    ['30s', 30000],
    ['1m30s', 90000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['0', 0],
    [5_000_000, 5],
    ['soon', undefined],
    ['10', undefined],
  ] as const)('parseDuration(%s) = %s', (input, want) => {
    expect(parseDuration(input)).toBe(want);
  });

  it('merges maps and replaces lists', () => {
    expect(mergeConfigs([{ a: { b: 1, l: [1, 2] } }, { a: { c: 2, l: [3] } }])).toEqual({ a: { b: 1, c: 2, l: [3] } });
  });
});
