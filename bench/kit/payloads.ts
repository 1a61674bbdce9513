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

/**
 * The same request built with protobufjs from objects: the reference that
 * otlpPayload is checked against. About 13 ms a request, which made payload
 * building most of a benchmark run's time.
 */
export function otlpPayloadReference(seq: number, lane = 0, t0 = T0): Buffer {
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

function keyValue(w: ProtoWriter, field: number, key: string, value: string): void {
  w.tag(field, 2).fork();
  w.tag(1, 2).string(key);
  w.tag(2, 2).fork().tag(1, 2).string(value).join();
  w.join();
}

/** The attribute bytes of every (metric, series), encoded once. */
const attrBytes = Array.from({ length: METRICS }, (_, m) =>
  Array.from({ length: SERIES }, (_, s) => {
    const w = new ProtoWriter(512);
    for (const [k, v] of attrs(m, s)) keyValue(w, 7, k, v);
    return w.finish();
  }),
);
let checked = false;

/**
 * An OTLP ExportMetricsServiceRequest of METRICS x SERIES points for one
 * lane at step `seq`, written field by field in protobufjs's order; checked
 * once against otlpPayloadReference, byte for byte. `t0` moves the
 * timestamps (ms), for destinations that refuse data far from now (CloudWatch).
 */
export function otlpPayload(seq: number, lane = 0, t0 = T0): Buffer {
  if (!checked) {
    checked = true;
    if (!otlpPayload(7, 3, t0).equals(otlpPayloadReference(7, 3, t0))) throw new Error('bench payloads: otlpPayload differs from the protobufjs reference');
  }
  const t = BigInt(t0 + seq * 1000) * 1_000_000n;
  const start = BigInt(t0) * 1_000_000n;
  const [tLo, tHi] = [Number(t & 0xffffffffn), Number(t >> 32n)];
  const [sLo, sHi] = [Number(start & 0xffffffffn), Number(start >> 32n)];
  const w = new ProtoWriter(1 << 20);
  w.tag(1, 2).fork(); // resource_metrics
  w.tag(1, 2).fork(); // resource
  keyValue(w, 1, 'service.name', 'bench');
  keyValue(w, 1, 'service.instance.id', `bench-${lane}`);
  w.join();
  w.tag(2, 2).fork(); // scope_metrics
  w.tag(1, 2).fork().tag(1, 2).string('bench').join();
  for (let m = 0; m < METRICS; m++) {
    const sum = m % 2 === 0;
    w.tag(2, 2).fork();
    w.tag(1, 2).string(sum ? `bench.requests.${m}` : `bench.load.${m}`);
    w.tag(sum ? 7 : 5, 2).fork();
    for (let s = 0; s < SERIES; s++) {
      w.tag(1, 2).fork();
      w.tag(2, 1).fixed64Pair(sLo, sHi);
      w.tag(3, 1).fixed64Pair(tLo, tHi);
      w.tag(4, 1).double(seq * 10 + s + m / 100);
      w.raw(attrBytes[m][s]);
      w.join();
    }
    if (sum) w.tag(2, 0).uint32(2).tag(3, 0).bool(true);
    w.join();
    w.join();
  }
  w.join();
  w.join();
  return w.finish();
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
