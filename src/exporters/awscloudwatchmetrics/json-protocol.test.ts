import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATIC_KEYS } from '../../test-kit/aws-static.js';
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from '../../test-kit/cloudwatch-endpoint.js';
import { PutMetricDataJsonProtocol } from './json-protocol.js';

/** The exporter's PutMetricData body against the SDK's own serializer, on the same inputs, through real clients. */

let cw: CloudWatchEndpoint;
let sdk: CloudWatchClient;
let ours: CloudWatchClient;

beforeAll(async () => {
  cw = await startCloudWatchEndpoint();
  const base = { region: 'eu-west-1', endpoint: cw.url, credentials: STATIC_KEYS, maxAttempts: 1, disableRequestCompression: true };
  sdk = new CloudWatchClient(base);
  ours = new CloudWatchClient({ ...base, protocol: PutMetricDataJsonProtocol });
});
afterAll(async () => {
  sdk?.destroy();
  ours?.destroy();
  await cw?.close();
});

const text = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity));
const datum: fc.Arbitrary<MetricDatum> = fc.record(
  {
    MetricName: text,
    Dimensions: fc.array(fc.record({ Name: text, Value: text }), { maxLength: 4 }),
    Timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map((ms) => new Date(ms)),
    Value: num,
    StatisticValues: fc.record({ SampleCount: num, Sum: num, Minimum: num, Maximum: num }),
    Values: fc.array(num, { maxLength: 5 }),
    Counts: fc.array(num, { maxLength: 5 }),
    Unit: fc.constantFrom('Seconds', 'Bytes/Second', 'Count', 'None'),
    StorageResolution: fc.constantFrom(1, 60),
  },
  { requiredKeys: ['MetricName'] },
) as fc.Arbitrary<MetricDatum>;

async function bodyOf(client: CloudWatchClient, input: { Namespace: string; MetricData: MetricDatum[] }): Promise<{ json: unknown; headers: Record<string, unknown> }> {
  cw.calls.length = 0;
  await client.send(new PutMetricDataCommand(input));
  const c = cw.calls[0];
  return { json: JSON.parse(c.raw.toString('utf8')), headers: { target: c.headers['x-amz-target'], type: c.headers['content-type'], mode: c.headers['x-amzn-query-mode'] } };
}

describe('PutMetricData JSON body', () => {
  it('is the document the SDK writes, for any datum', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(datum, { minLength: 1, maxLength: 5 }), text, async (data, ns) => {
        const a = await bodyOf(sdk, { Namespace: ns, MetricData: data });
        const b = await bodyOf(ours, { Namespace: ns, MetricData: data });
        expect(b).toEqual(a);
      }),
      { numRuns: 60 },
    );
  });

  it('leaves other inputs to the SDK', async () => {
    const input = { Namespace: 'N', MetricData: [{ MetricName: 'm', Value: 1 }], StrictEntityValidation: true };
    cw.calls.length = 0;
    await ours.send(new PutMetricDataCommand(input));
    expect(cw.calls[0].input).toEqual({ Namespace: 'N', MetricData: [{ MetricName: 'm', Value: 1 }], StrictEntityValidation: true });
  });
});
