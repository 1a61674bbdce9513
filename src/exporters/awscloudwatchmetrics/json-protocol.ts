import type { MetricDatum, PutMetricDataInput } from '@aws-sdk/client-cloudwatch';
import { AwsJson1_0Protocol } from '@aws-sdk/core/protocols';
import type { EndpointBearer, HandlerExecutionContext, HttpRequest, OperationSchema, SerdeFunctions } from '@smithy/types';

/**
 * The AWS JSON 1.0 body of PutMetricData, written directly instead of by
 * the SDK's schema-driven serializer, which walks the operation's schema
 * member by member for every datum and costs several times the rest of
 * the exporter (bench/cloudwatch.ts measures both). Everything else stays
 * the SDK's: endpoint, headers, compression, signing, HTTP and error
 * parsing. The JSON is what the SDK writes for the same input: members as
 * in the model, timestamps as epoch seconds, non-finite numbers as the
 * strings "NaN", "Infinity", "-Infinity".
 *
 * A series' Dimensions array is the same object in every datum of it
 * (helper/cloudwatch/series.ts), so its JSON is written once and kept
 * beside it (WeakMap: it goes when the series does).
 */

const dimensionsJson = new WeakMap<object, string>();
const KNOWN_INPUT = new Set(['Namespace', 'MetricData']);

function num(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

function numbers(a: readonly number[]): string {
  let s = '[';
  for (let i = 0; i < a.length; i++) s += (i === 0 ? '' : ',') + num(a[i]);
  return `${s}]`;
}

function datumJson(d: MetricDatum): string {
  let s = `{"MetricName":${JSON.stringify(d.MetricName)}`;
  const dims = d.Dimensions;
  if (dims !== undefined) {
    let dj = dimensionsJson.get(dims);
    if (dj === undefined) {
      dj = JSON.stringify(dims.map((x) => ({ Name: x.Name, Value: x.Value })));
      dimensionsJson.set(dims, dj);
    }
    s += `,"Dimensions":${dj}`;
  }
  if (d.Timestamp !== undefined) s += `,"Timestamp":${num(d.Timestamp.getTime() / 1000)}`;
  if (d.Value !== undefined) s += `,"Value":${num(d.Value)}`;
  const st = d.StatisticValues;
  if (st !== undefined) s += `,"StatisticValues":{"SampleCount":${num(st.SampleCount!)},"Sum":${num(st.Sum!)},"Minimum":${num(st.Minimum!)},"Maximum":${num(st.Maximum!)}}`;
  if (d.Values !== undefined) s += `,"Values":${numbers(d.Values)}`;
  if (d.Counts !== undefined) s += `,"Counts":${numbers(d.Counts)}`;
  if (d.Unit !== undefined) s += `,"Unit":${JSON.stringify(d.Unit)}`;
  if (d.StorageResolution !== undefined) s += `,"StorageResolution":${num(d.StorageResolution)}`;
  return `${s}}`;
}

/** The request body for an input of Namespace and MetricData only. */
export function putMetricDataJson(input: PutMetricDataInput): string {
  let s = `{"Namespace":${JSON.stringify(input.Namespace)},"MetricData":[`;
  const data = input.MetricData ?? [];
  for (let i = 0; i < data.length; i++) s += (i === 0 ? '' : ',') + datumJson(data[i]);
  return `${s}]}`;
}

function plain(input: object): input is PutMetricDataInput {
  for (const k of Object.keys(input)) if (!KNOWN_INPUT.has(k)) return false;
  return true;
}

/** AWS JSON 1.0 with the PutMetricData body above; any other operation or input goes the SDK's way. */
export class PutMetricDataJsonProtocol extends AwsJson1_0Protocol {
  override async serializeRequest<Input extends object>(operationSchema: OperationSchema, input: Input, context: HandlerExecutionContext & SerdeFunctions & EndpointBearer): Promise<HttpRequest> {
    if (operationSchema.name !== 'PutMetricData' || !plain(input)) return super.serializeRequest(operationSchema, input, context);
    const request = await super.serializeRequest(operationSchema, { Namespace: input.Namespace } as Input, context);
    request.body = putMetricDataJson(input);
    return request;
  }
}
