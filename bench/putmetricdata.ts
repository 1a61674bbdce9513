import { gunzipSync, gzipSync } from 'node:zlib';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { Credential } from '../src/receivers/putmetricdata/credential.js';
import { decodeCbor } from '../src/receivers/putmetricdata/decode-cbor.js';
import { decodeJson } from '../src/receivers/putmetricdata/decode-json.js';
import { decodeQuery } from '../src/receivers/putmetricdata/decode-query.js';
import { PutMetricDataMapper } from '../src/receivers/putmetricdata/map.js';
import { type PutMetricDataRequest, readPutMetricData } from '../src/receivers/putmetricdata/request.js';
import { type SignedRequest, verifySigV4 } from '../src/receivers/putmetricdata/sigv4.js';
import { signAwsRequest } from '../src/test-kit/aws-sign.js';
import { agentQueryForm } from '../src/test-kit/cloudwatch-agent.js';
import { type Contender, compare, fmtRate } from './measure.js';

/**
 * The putmetricdata receiver's per-request work, in data points per
 * CPU-second, for a CloudWatch-Agent-like request: AWS Query form, 20 data
 * of 10 dimensions, gzip-compressed, SigV4-signed over the compressed
 * bytes. The stages are measured one by one (side by side, alternating) to
 * give each one's share of the request's CPU time; the whole path is
 * measured too. The same data in JSON and CBOR shows what each decoder
 * costs (CBOR through the AWS SDK's own codec).
 */

const METRICS = 20;
const DIMS = 10;
const SIGNED_AT = new Date('2026-03-01T12:00:00Z');
const NOW = SIGNED_AT.getTime();
const KEY = new Credential('AKIDBENCH', 'bench-secret', { site: 'paris', account: '111122223333' });
const lookup = (id: string): Credential | undefined => (id === KEY.accessKeyId ? KEY : undefined);

const form = agentQueryForm(METRICS, DIMS, new Date(NOW - 60_000));
const gz = gzipSync(form);
const url = 'http://127.0.0.1:4320/';
const headers = await signAwsRequest({
  url,
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-encoding': 'gzip', 'user-agent': 'CWAgent/1.3 (bench)' },
  body: gz,
  accessKeyId: KEY.accessKeyId,
  secretAccessKey: 'bench-secret',
  date: SIGNED_AT,
});
const signed: SignedRequest = { method: 'POST', url: '/', rawHeaders: Object.entries(headers).flat(), body: gz };

/** The same data as an AWS JSON 1.0 / RPC v2 CBOR document, with the timestamp in each protocol's form. */
function document(timestamp: (ms: number) => unknown): object {
  const MetricData = Array.from({ length: METRICS }, (_, k) => ({
    Dimensions: Array.from({ length: DIMS }, (_, d) => ({ Name: `dim_${d + 1}`, Value: `host-value-${d + 1}` })),
    MetricName: `metric_${k + 1}`,
    StorageResolution: 60,
    Timestamp: timestamp(NOW - 60_000),
    Unit: 'Percent',
    Value: k + 1.5,
  }));
  return { Namespace: 'CWAgent', MetricData };
}
const asJson = Buffer.from(JSON.stringify(document((ms) => ms / 1000)));
const asCbor = Buffer.from(cbor.serialize(document((ms) => dateToTag(new Date(ms)))));

function read(input: Record<string, unknown>): PutMetricDataRequest {
  const r = readPutMetricData(input, NOW);
  if (!r.ok) throw r.error;
  return r.request;
}

export function benchPutMetricData(): { lines: string[] } {
  const mapper = new PutMetricDataMapper();
  const request = read(decodeQuery(gunzipSync(gz).toString()).input);
  const stages: Contender[] = [
    { name: 'SigV4 verification (sha256 of the body, canonical request, HMAC)', run: () => (verifySigV4(signed, { lookup, nowMs: NOW }), METRICS) },
    { name: 'gunzip', run: () => (gunzipSync(gz), METRICS) },
    { name: 'Query decode + validation', run: () => (read(decodeQuery(form).input), METRICS) },
    { name: 'mapping to the model', run: () => (mapper.map(request, KEY.attributes, NOW), METRICS) },
  ];
  const whole: Contender = {
    name: 'whole request (verify, gunzip, decode, validate, map)',
    run: () => {
      const c = verifySigV4(signed, { lookup, nowMs: NOW });
      mapper.map(read(decodeQuery(gunzipSync(signed.body).toString()).input), c.attributes, NOW);
      return METRICS;
    },
  };
  const decoders: Contender[] = [
    { name: 'AWS Query decode + validation', run: () => (read(decodeQuery(form).input), METRICS) },
    { name: 'AWS JSON 1.0 decode + validation', run: () => (read(decodeJson(asJson)), METRICS) },
    { name: 'RPC v2 CBOR decode (@smithy/core) + validation', run: () => (read(decodeCbor(asCbor)), METRICS) },
  ];
  const rates = compare([whole, ...stages]);
  const perRequest = rates.slice(1).map((r) => METRICS / r.itemsPerCpuSecond);
  const total = perRequest.reduce((a, b) => a + b, 0);
  const dec = compare(decoders, 4, 4);
  return {
    lines: [
      `request: ${METRICS} data x ${DIMS} dimensions, Query form ${form.length} bytes, gzip ${gz.length} bytes, signed`,
      `${rates[0].name}: ${fmtRate(rates[0].itemsPerCpuSecond)} points per CPU-second (${fmtRate(rates[0].itemsPerCpuSecond / METRICS)} requests)`,
      ...rates.slice(1).map((r, i) => `  ${r.name}: ${fmtRate(r.itemsPerCpuSecond)} points/CPU-s, ${((100 * perRequest[i]) / total).toFixed(1)}% of the request`),
      `same data per decoder (uncompressed: Query ${form.length} B, JSON ${asJson.length} B, CBOR ${asCbor.length} B):`,
      ...dec.map((r) => `  ${r.name}: ${fmtRate(r.itemsPerCpuSecond)} points/CPU-s`),
    ],
  };
}
