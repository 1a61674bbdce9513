import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand, type PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { EMPTY_CONTEXT } from '../src/component/component.js';
import { CwMetricsExporter, cloudWatchClient } from '../src/exporters/awscloudwatchmetrics/exporter.js';
import { cwMetricsExporterFactory } from '../src/exporters/awscloudwatchmetrics/factory.js';
import { decodeOtlpProto } from '../src/model/otlp/decode-proto.js';
import { STATIC_KEYS, staticSigv4Host } from '../src/test-kit/aws-static.js';
import { testSettings } from '../src/test-kit/settings.js';
import { freePorts } from '../test/kit/ports.js';
import { POINTS_PER_REQUEST, otlpPayload } from './kit/payloads.js';
import { ROOT, run } from './kit/procs.js';
import { cpuSeconds, fmtRate, median } from './measure.js';

/**
 * CloudWatch-path benchmark (issue "CloudWatch exporters"): OTLP protobuf
 * in -> PutMetricData out, data points per CPU-second of this process, with
 * the endpoint (a no-op CloudWatch, bench/kit/cw-sink.ts) in another
 * process. Each OTLP request is 2,000 points (100 metrics x 20 series,
 * 8 attributes; half cumulative counters, sent as deltas), i.e. 2,000 data
 * in two PutMetricData requests.
 *
 * The share of the AWS SDK client (its middleware, SigV4 signing, gzip,
 * HTTP handler) is measured by running the same path twice, side by side:
 * once with @aws-sdk/client-cloudwatch as the exporter builds it sending to
 * the no-op endpoint, once with a client stub that accepts each command
 * without doing anything. The difference per point is the SDK's. The SDK
 * is also run alone on the very requests the exporter built: as the
 * exporter builds it (its own PutMetricData JSON, no logger middleware;
 * json-protocol.ts, aws-client.ts) and as it comes, with and without gzip.
 */

const ROUNDS = 3;
const REQUESTS_PER_ROUND = 40;

interface Client {
  send(c: PutMetricDataCommand, o?: unknown): Promise<unknown>;
  destroy(): void;
}

export async function benchCloudWatch(): Promise<{ lines: string[] }> {
  const [port] = await freePorts(1);
  const sink = await run(process.execPath, [join(ROOT, 'build', 'bench', 'kit', 'cw-sink.js'), String(port)], async (out) => out.includes('ready'));
  const endpoint = `http://127.0.0.1:${port}`;
  const { host, auth } = await staticSigv4Host();
  const captured: PutMetricDataCommandInput[] = [];
  try {
    let datums = 0;
    const counting = (inner: Client | undefined): Client => ({
      send: async (c, o) => {
        if (inner !== undefined) await inner.send(c, o);
        else if (captured.length < 200) captured.push(c.input);
        datums += c.input.MetricData?.length ?? 0;
        return {};
      },
      destroy: () => inner?.destroy(),
    });
    const aws = { region: 'us-east-1', endpoint, credentials: async () => STATIC_KEYS, requestHandler: undefined };
    const sdk = cloudWatchClient(aws, 'gzip');
    const make = async (client: Client): Promise<CwMetricsExporter> => {
      const config = cwMetricsExporterFactory.configSchema.parse({
        region: 'us-east-1', endpoint, auth: { authenticator: 'sigv4auth' }, namespace: 'Bench', initial_value: 'keep', max_requests_per_second: 0,
        sending_queue: { num_consumers: 4, queue_size: 1000 },
      });
      const e = new CwMetricsExporter(testSettings('exporter', 'awscloudwatchmetrics'), config, { env: {}, client });
      await e.start(host);
      return e;
    };
    const withSdk = await make(counting(sdk));
    const withoutSdk = await make(counting(undefined));
    let seq = 0;
    const t0 = Date.now() - 3_600_000; // an hour ago, one second per request
    const round = async (e: CwMetricsExporter, lane: number): Promise<number> => {
      const bodies = Array.from({ length: REQUESTS_PER_ROUND }, () => otlpPayload(seq++, lane, t0));
      const want = datums + REQUESTS_PER_ROUND * POINTS_PER_REQUEST;
      const c0 = cpuSeconds();
      for (const b of bodies) await e.consume(decodeOtlpProto(b).batch, EMPTY_CONTEXT);
      while (datums < want) await new Promise((r) => setImmediate(r));
      return (REQUESTS_PER_ROUND * POINTS_PER_REQUEST) / (cpuSeconds() - c0);
    };
    await round(withSdk, 0); // warm-up: JIT, connections, series state
    await round(withoutSdk, 1);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(await round(withSdk, 0));
      b.push(await round(withoutSdk, 1));
    }
    await withSdk.shutdown();
    await withoutSdk.shutdown();
    // The SDK alone, on the requests the exporter built.
    const sdkAlone = async (client: Client): Promise<number> => {
      let n = 0;
      const c0 = cpuSeconds();
      for (let k = 0; k < 2; k++) {
        await Promise.all([0, 1, 2, 3].map(async (lane) => {
          for (let i = lane; i < captured.length; i += 4) {
            await client.send(new PutMetricDataCommand(captured[i]));
            n += captured[i].MetricData?.length ?? 0;
          }
        }));
      }
      return n / (cpuSeconds() - c0);
    };
    const tunedRaw = cloudWatchClient(aws, 'none');
    const stock = new CloudWatchClient({ region: 'us-east-1', endpoint, credentials: STATIC_KEYS, maxAttempts: 1 });
    const stockRaw = new CloudWatchClient({ region: 'us-east-1', endpoint, credentials: STATIC_KEYS, maxAttempts: 1, disableRequestCompression: true });
    const alone = [sdk, tunedRaw, stock, stockRaw];
    for (const c of alone) await sdkAlone(c); // warm-up
    const rates = [[], [], [], []] as number[][];
    for (let r = 0; r < 2; r++) for (const [k, c] of alone.entries()) rates[k].push(await sdkAlone(c));
    const [gz, raw, stockGz, stockPlain] = rates.map(median);
    for (const c of alone) c.destroy();
    const whole = median(a);
    const path = median(b);
    const share = 1 - whole / path;
    return {
      lines: [
        `payload: ${POINTS_PER_REQUEST} points per OTLP request (100 metrics x 20 series, 8 attributes) = 2 PutMetricData requests of 1,000 data; ${REQUESTS_PER_ROUND} requests per round, ${ROUNDS} rounds`,
        `OTLP decode -> awscloudwatchmetrics -> @aws-sdk/client-cloudwatch (gzip, SigV4) -> no-op endpoint: ${fmtRate(whole)} points per CPU-second (rounds: ${a.map(fmtRate).join(', ')})`,
        `the same path with the SDK client stubbed out: ${fmtRate(path)} points per CPU-second (rounds: ${b.map(fmtRate).join(', ')})`,
        `share of CPU in the SDK client (middleware, signing, gzip, HTTP): ${(share * 100).toFixed(0)}%`,
        `the SDK client alone on the exporter's requests, data per CPU-second: as the exporter builds it ${fmtRate(gz)} with gzip, ${fmtRate(raw)} without; as it comes ${fmtRate(stockGz)} with gzip, ${fmtRate(stockPlain)} without`,
      ],
    };
  } finally {
    await auth.shutdown();
    await sink.stop();
  }
}
