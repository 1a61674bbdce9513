import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpError, InfluxDB, Point, type WritePrecisionType, setLogger } from '@influxdata/influxdb-client';
import * as Influx from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';

/**
 * Influx clients pointed at Tributary unchanged: the InfluxDB 2.x client
 * library (`/api/v2/write`) and node-influx (`/write`) write points whose
 * names need escaping, with every field type, in every precision each
 * client supports; the built gateway's file exporter must show the
 * expected names, attributes, values and timestamps.
 */

let gw: GatewayProcess;
let url: string;
let port: number;
let outFile: string;

beforeAll(async () => {
  const [p, hc, tel] = await freePorts(3);
  port = p;
  url = `http://127.0.0.1:${p}`;
  gw = await startGateway(
    `
receivers:
  influxdb: {endpoint: "127.0.0.1:${p}"}
exporters:
  file: {path: ./out.jsonl}
extensions:
  health_check: {endpoint: "127.0.0.1:${hc}"}
service:
  extensions: [health_check]
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [influxdb], exporters: [file]}
`,
    { readyUrl: `http://127.0.0.1:${hc}/` },
  );
  outFile = join(gw.dir, 'out.jsonl');
});

afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

interface JsonAttr {
  key: string;
  value: { stringValue?: string };
}
interface JsonPoint {
  attributes?: JsonAttr[];
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string;
}
interface JsonResourceMetrics {
  resource?: { attributes?: JsonAttr[] };
  scopeMetrics: { metrics: { name: string; gauge?: { dataPoints: JsonPoint[] } }[] }[];
}

const attrs = (list: JsonAttr[] | undefined): Record<string, string | undefined> => Object.fromEntries((list ?? []).map((a) => [a.key, a.value.stringValue]));

/** Points the file exporter wrote under a resource attribute, as "name|attributes|value|int|time" lines, sorted. */
async function arrived(key: string, value: string): Promise<string[]> {
  const text = await readFile(outFile, 'utf8').catch(() => '');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    for (const rm of JSON.parse(line).resourceMetrics as JsonResourceMetrics[]) {
      if (attrs(rm.resource?.attributes)[key] !== value) continue;
      for (const m of rm.scopeMetrics.flatMap((sm) => sm.metrics)) {
        expect(m.gauge, `${m.name} is a gauge`).toBeDefined();
        for (const p of m.gauge!.dataPoints) {
          const v = p.asInt !== undefined ? `${p.asInt}|int` : `${p.asDouble}|double`;
          out.push(`${m.name}|${JSON.stringify(attrs(p.attributes))}|${v}|${p.timeUnixNano}`);
        }
      }
    }
  }
  return out.sort();
}

const MEASUREMENT = 'weather station';
// node-influx writes measurement names unescaped (a space or comma would break its own line), so
// its measurement holds only characters that need no escaping, "=" among them.
const V1_MEASUREMENT = 'weather=station';
const TAGS = { location: 'New York, NY', 'sensor id': 'a=b c' };
const TAGS_JSON = JSON.stringify(TAGS);

/** What every client's point must become (v2 adds unsigned fields). */
function expected(measurement: string, ns: string, unsigned: boolean): string[] {
  const rows = [
    `${measurement}_temp|${TAGS_JSON}|21.5|double|${ns}`,
    `${measurement}_wind speed|${TAGS_JSON}|-3.25e-7|double|${ns}`,
    `${measurement}_count|${TAGS_JSON}|42|int|${ns}`,
    `${measurement}_ok|${TAGS_JSON}|1|int|${ns}`,
    `${measurement}_calm|${TAGS_JSON}|0|int|${ns}`,
  ];
  if (unsigned) rows.push(`${measurement}_bytes|${TAGS_JSON}|18446744073709552000|double|${ns}`, `${measurement}_small|${TAGS_JSON}|7|int|${ns}`);
  return rows.sort();
}

describe('InfluxDB 2.x client library, /api/v2/write', () => {
  const cases: [WritePrecisionType, string, string, number][] = [
    // precision, timestamp as written, in nanoseconds, gzip threshold (0: always gzip)
    ['ns', '1700000000123456789', '1700000000123456789', 0],
    ['us', '1700000000123456', '1700000000123456000', 1_000_000],
    ['ms', '1700000000123', '1700000000123000000', 0],
    ['s', '1700000000', '1700000000000000000', 1_000_000],
  ];

  it.each(cases)('precision %s: %s -> %s ns', async (precision, ts, ns, gzipThreshold) => {
    const bucket = `v2-${precision}`;
    const client = new InfluxDB({ url, token: 'any-token' });
    const api = client.getWriteApi('acme', bucket, precision, { flushInterval: 0, maxRetries: 0, gzipThreshold });
    api.writePoint(
      new Point(MEASUREMENT)
        .tag('location', TAGS.location)
        .tag('sensor id', TAGS['sensor id'])
        .floatField('temp', 21.5)
        .floatField('wind speed', -3.25e-7)
        .intField('count', 42)
        .booleanField('ok', true)
        .booleanField('calm', false)
        .uintField('bytes', '18446744073709551615')
        .uintField('small', 7)
        .stringField('note', 'a "quoted" \\ string, with = and spaces')
        .timestamp(ts),
    );
    await api.close();
    await waitUntil(async () => (await arrived('influxdb.bucket', bucket)).length > 0, `bucket ${bucket} in the file exporter's output`);
    expect(await arrived('influxdb.bucket', bucket)).toEqual(expected(MEASUREMENT, ns, true));
  });

  it('a bad line is refused with 400 and the API\'s error shape, naming line and column', async () => {
    const api = new InfluxDB({ url, token: 'any-token' }).getWriteApi('acme', 'v2-bad', 'ns', { flushInterval: 0, maxRetries: 0 });
    api.writeRecords(['good f=1 1', 'bad f=1 1 2']);
    // The client logs the failed write to the console as well; the test reads the error itself.
    const previous = setLogger({ error: () => undefined, warn: () => undefined });
    const err = await api.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    setLogger(previous);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).statusCode).toBe(400);
    expect((err as HttpError).code).toBe('invalid');
    expect((err as HttpError).message).toMatch(/1 of 2 lines are invalid, so none was written: line 2: unexpected text after the timestamp: "2" at column 11/);
    expect(await arrived('influxdb.bucket', 'v2-bad')).toEqual([]);
  });
});

describe('node-influx (InfluxDB 1.x API), /write', () => {
  const cases: [Influx.TimePrecision, string, string][] = [
    ['n', '1700000000123456789', '1700000000123456789'],
    ['u', '1700000000123456', '1700000000123456000'],
    ['ms', '1700000000123', '1700000000123000000'],
    ['s', '1700000000', '1700000000000000000'],
    ['m', '28333333', '1699999980000000000'],
    ['h', '472222', '1699999200000000000'],
  ];

  const client = (database: string) =>
    new Influx.InfluxDB({
      host: '127.0.0.1',
      port,
      database,
      schema: [
        {
          measurement: V1_MEASUREMENT,
          fields: {
            temp: Influx.FieldType.FLOAT,
            'wind speed': Influx.FieldType.FLOAT,
            count: Influx.FieldType.INTEGER,
            ok: Influx.FieldType.BOOLEAN,
            calm: Influx.FieldType.BOOLEAN,
            note: Influx.FieldType.STRING,
          },
          tags: ['location', 'sensor id'],
        },
      ],
    });

  it.each(cases)('precision %s: %s -> %s ns', async (precision, ts, ns) => {
    const database = `v1-${precision}`;
    const influx = client(database);
    await influx.writePoints(
      [
        {
          measurement: V1_MEASUREMENT,
          tags: TAGS,
          fields: { temp: 21.5, 'wind speed': -3.25e-7, count: 42, ok: true, calm: false, note: 'a "quoted" \\ string, with = and spaces' },
          timestamp: ts,
        },
      ],
      { precision, retentionPolicy: 'autogen' },
    );
    await waitUntil(async () => (await arrived('influxdb.database', database)).length > 0, `database ${database} in the file exporter's output`);
    expect(await arrived('influxdb.database', database)).toEqual(expected(V1_MEASUREMENT, ns, false));
  });

  it('pings (version headers) and creates its database (a no-op) as at startup', async () => {
    const influx = client('v1-setup');
    const [host] = await influx.ping(5000);
    expect(host.online).toBe(true);
    expect(host.version).toBe('1.8.10');
    await influx.createDatabase('v1-setup');
  });
});
