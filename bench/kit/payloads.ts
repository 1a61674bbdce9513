import { otlpType } from '../../src/model/otlp/schema.js';
import { ProtoWriter } from '../../src/model/proto/writer.js';
import { snappyCompress } from '../../src/exporters/helper/snappy.js';

/**
 * Forwarding benchmark payloads: the same series and values as OTLP (for the
 * gateway) and as remote write (for vmagent), a fresh timestamp per request
 * so nothing is a duplicate. Each concurrent sender ("lane") has its own
 * series (instance label), so every series' samples arrive in time order. 100 metrics x 20 series = 2,000 data points per
 * request, 8 attributes per series, as an SDK or agent sends each interval.
 */
export const METRICS = 100;
export const SERIES = 20;
export const POINTS_PER_REQUEST = METRICS * SERIES;
const T0 = 1_800_000_000_000; // ms; requests step by 1 s

function attrs(m: number, s: number): [string, string][] {
  return [
    ['host', `host-${s}`],
    ['region', 'eu-west-1'],
    ['az', `eu-west-1${'abc'[s % 3]}`],
    ['env', 'prod'],
    ['service', `svc-${m % 10}`],
    ['team', `team-${m % 4}`],
    ['version', '1.2.3'],
    ['cluster', 'central'],
  ];
}

/** `t0` moves the timestamps (ms), for destinations that refuse data far from now (CloudWatch). */
export function otlpPayload(seq: number, lane = 0, t0 = T0): Buffer {
  const t = (BigInt(t0 + seq * 1000) * 1_000_000n).toString();
  const metrics = [];
  for (let m = 0; m < METRICS; m++) {
    const dataPoints = [];
    for (let s = 0; s < SERIES; s++) {
      dataPoints.push({
        attributes: attrs(m, s).map(([key, v]) => ({ key, value: { stringValue: v } })),
        startTimeUnixNano: (BigInt(t0) * 1_000_000n).toString(),
        timeUnixNano: t,
        asDouble: seq * 10 + s + m / 100,
      });
    }
    metrics.push(m % 2 === 0 ? { name: `bench.requests.${m}`, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } } : { name: `bench.load.${m}`, gauge: { dataPoints } });
  }
  const req = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }, { key: 'service.instance.id', value: { stringValue: `bench-${lane}` } }] },
        scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
      },
    ],
  };
  const T = otlpType('ExportMetricsServiceRequest');
  return Buffer.from(T.encode(T.fromObject(req)).finish());
}

/** The remote-write request carrying the same samples the gateway produces from otlpPayload(seq). */
export function remoteWriteBody(seq: number, lane = 0): Buffer {
  const w = new ProtoWriter(1 << 20);
  const ts = T0 + seq * 1000;
  for (let m = 0; m < METRICS; m++) {
    const name = m % 2 === 0 ? `bench_requests_${m}_total` : `bench_load_${m}`;
    for (let s = 0; s < SERIES; s++) {
      const labels: [string, string][] = [['__name__', name], ['instance', `bench-${lane}`], ['job', 'bench'], ['otel_scope_name', 'bench'], ...attrs(m, s)];
      labels.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      w.tag(1, 2).fork();
      for (const [k, v] of labels) {
        w.tag(1, 2).fork();
        w.tag(1, 2).string(k);
        w.tag(2, 2).string(v);
        w.join();
      }
      w.tag(2, 2).fork();
      w.tag(1, 1).double(seq * 10 + s + m / 100);
      w.tag(2, 0).uint64(ts);
      w.join();
      w.join();
    }
  }
  return w.finish();
}

export function remoteWritePayload(seq: number, lane = 0): Buffer {
  return snappyCompress(remoteWriteBody(seq, lane));
}
