import { Attributes } from '../../model/attributes.js';
import type { AnyValue } from '../../model/any-value.js';
import { type Metric, MetricType, type MetricBatch, type ScopeMetrics } from '../../model/metric.js';
import { PointBuilders } from '../../model/points-builder.js';
import { setTimeBigInt } from '../../model/time.js';
import { VERSION } from '../../version.js';
import { OTEL_UNIT } from './limits.js';
import type { Datum, DatumGroup, Entity, PutMetricDataRequest } from './request.js';

/**
 * PutMetricData -> the metric model (the table is in README "putmetricdata
 * receiver"):
 *
 * - MetricName is the metric name; Unit becomes the OpenTelemetry unit
 *   (limits.ts OTEL_UNIT), the CloudWatch unit and StorageResolution are kept
 *   in the metric's metadata (`cloudwatch.unit`, `cloudwatch.storage_resolution`)
 *   so that they do not split series but an exporter back to CloudWatch can
 *   restore them.
 * - Dimensions become point attributes; Namespace the point attribute
 *   `cloudwatch.namespace`; the credential's attributes are added to every
 *   point last, so a client cannot forge them with a dimension of the same name.
 * - Value is a gauge point. StatisticValues is a summary point: count =
 *   SampleCount, sum = Sum, quantile 0 = Minimum, quantile 1 = Maximum (the
 *   OpenTelemetry data model's meaning of quantiles 0 and 1). Values/Counts,
 *   a distribution for one period, is a summary point too: count = the sum of
 *   Counts, sum = the sum of value x count, quantiles 0 and 1 = the smallest
 *   and largest value, and the exact 0.5, 0.9 and 0.99 quantiles of the
 *   distribution. Both kinds of a metric thus keep one type, and a Prometheus
 *   backend gets `_count`, `_sum` and `{quantile=...}` series for them.
 * - A datum without Timestamp takes the time the request was received.
 * - EntityMetricData: the entity's KeyAttributes and Attributes become
 *   resource attributes `cloudwatch.entity.key.<name>` and
 *   `cloudwatch.entity.attribute.<name>`.
 *
 * Data of the same name, kind, unit and resolution in one request become one
 * metric with several points, in request order.
 */

export const NAMESPACE_ATTRIBUTE = 'cloudwatch.namespace';
export const SCOPE_NAME = 'tributary/receiver/putmetricdata';
/** Quantiles computed from a Values/Counts distribution besides its minimum (0) and maximum (1). */
export const VALUES_QUANTILES = [0.5, 0.9, 0.99] as const;

export class PutMetricDataMapper {
  private readonly builders = new PointBuilders();
  private readonly metadataCache = new Map<string, Attributes>();
  private lastMs = NaN;
  private lastLo = 0;
  private lastHi = 0;

  /**
   * Builds the batch for a validated request. Synchronous: the builders are
   * reused between calls and must not be shared across an await.
   */
  map(req: PutMetricDataRequest, stamp: Readonly<Record<string, string>>, receivedMs: number): MetricBatch {
    const stampKeys = Object.keys(stamp);
    const stampValues = stampKeys.map((k) => stamp[k]);
    // Data of one request mostly repeat the same dimensions (an agent's host, instance...): compare with the
    // previous datum's first, then look up by content.
    const attrCache = new Map<string, Attributes>();
    let lastDims: readonly string[] = [];
    let lastAttrs: Attributes | undefined;
    const attributesOf = (d: Datum): Attributes => {
      if (lastAttrs !== undefined && sameStrings(d.dims, lastDims)) return lastAttrs;
      const key = d.dims.join('\u0001');
      let a = attrCache.get(key);
      if (a === undefined) {
        const keys: string[] = [];
        const values: AnyValue[] = [];
        for (let i = 0; i < d.dims.length; i += 2) {
          keys.push(d.dims[i]);
          values.push(d.dims[i + 1]);
        }
        keys.push(NAMESPACE_ATTRIBUTE, ...stampKeys);
        values.push(req.namespace, ...stampValues);
        a = Attributes.of(keys, values);
        attrCache.set(key, a);
      }
      lastDims = d.dims;
      lastAttrs = a;
      return a;
    };
    const batch: MetricBatch = { resourceMetrics: [] };
    for (const g of req.groups) {
      if (g.data.length === 0) continue;
      batch.resourceMetrics.push({
        resource: { attributes: entityAttributes(g.entity), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [this.scopeMetrics(g, attributesOf, receivedMs)],
      });
    }
    return batch;
  }

  private scopeMetrics(g: DatumGroup, attributesOf: (d: Datum) => Attributes, receivedMs: number): ScopeMetrics {
    const byMetric = new Map<string, Datum[]>();
    for (const d of g.data) {
      const key = `${d.kind === 'value' ? 'g' : 's'}\u0001${d.name}\u0001${d.unit ?? ''}\u0001${d.resolution}`;
      const list = byMetric.get(key);
      if (list === undefined) byMetric.set(key, [d]);
      else list.push(d);
    }
    const metrics: Metric[] = [];
    for (const data of byMetric.values()) metrics.push(this.metric(data, attributesOf, receivedMs));
    return { scope: { name: SCOPE_NAME, version: VERSION, attributes: Attributes.EMPTY, droppedAttributesCount: 0 }, schemaUrl: '', metrics };
  }

  private metric(data: readonly Datum[], attributesOf: (d: Datum) => Attributes, receivedMs: number): Metric {
    const first = data[0];
    const unit = first.unit === undefined ? '' : OTEL_UNIT[first.unit];
    const metadata = this.metadata(first);
    if (first.kind === 'value') {
      const b = this.builders.number;
      for (const d of data) {
        const i = b.begin();
        this.setTime(b.times, i, d.timeMs ?? receivedMs);
        b.values[i] = d.value;
        b.commit(attributesOf(d));
      }
      return { name: first.name, description: '', unit, metadata, type: MetricType.Gauge, points: b.finish() };
    }
    const b = this.builders.summary;
    for (const d of data) {
      const i = b.begin();
      this.setTime(b.times, i, d.timeMs ?? receivedMs);
      if (d.kind === 'stats') {
        const [count, sum, min, max] = d.stats!;
        b.counts[i] = count;
        b.sums[i] = sum;
        b.pushQuantile(0, min);
        b.pushQuantile(1, max);
      } else summarize(d.values!, d.counts, b, i);
      b.commit(attributesOf(d));
    }
    return { name: first.name, description: '', unit, metadata, type: MetricType.Summary, points: b.finish() };
  }

  private metadata(d: Datum): Attributes {
    const key = `${d.unit ?? ''}\u0001${d.resolution}`;
    let a = this.metadataCache.get(key);
    if (a === undefined) {
      const keys = ['cloudwatch.storage_resolution'];
      const values: AnyValue[] = [BigInt(d.resolution)];
      if (d.unit !== undefined) {
        keys.push('cloudwatch.unit');
        values.push(d.unit);
      }
      a = Attributes.of(keys, values);
      this.metadataCache.set(key, a);
    }
    return a;
  }

  /** Milliseconds (with a fraction) -> uint64 nanoseconds; consecutive data usually share one time, so the last is remembered. */
  private setTime(times: Uint32Array, i: number, ms: number): void {
    if (ms !== this.lastMs) {
      const whole = Math.floor(ms);
      setTimeBigInt(times, i, BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)));
      this.lastMs = ms;
      this.lastLo = times[2 * i];
      this.lastHi = times[2 * i + 1];
      return;
    }
    times[2 * i] = this.lastLo;
    times[2 * i + 1] = this.lastHi;
  }
}

/**
 * A Values/Counts distribution as a summary point: count, sum, the minimum
 * and maximum (quantiles 0 and 1) and the exact VALUES_QUANTILES, where the
 * q-quantile is the smallest value whose cumulative count reaches q x count.
 * Values with a zero count take no part. Counts default to 1.
 */
export function summarize(values: readonly number[], counts: readonly number[] | undefined, b: PointBuilders['summary'], i: number): void {
  const n = values.length;
  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => values[x] - values[y]);
  let total = 0;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const c = counts === undefined ? 1 : counts[k];
    total += c;
    sum += values[k] * c;
  }
  b.counts[i] = total;
  b.sums[i] = sum;
  if (!(total > 0)) return;
  const countOf = (k: number): number => (counts === undefined ? 1 : counts[k]);
  const present = order.filter((k) => countOf(k) > 0);
  b.pushQuantile(0, values[present[0]]);
  let cum = 0;
  let j = 0;
  for (const q of VALUES_QUANTILES) {
    const target = q * total;
    while (j < present.length && cum + countOf(present[j]) < target) cum += countOf(present[j++]);
    b.pushQuantile(q, values[present[Math.min(j, present.length - 1)]]);
  }
  b.pushQuantile(1, values[present[present.length - 1]]);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function entityAttributes(e: Entity | undefined): Attributes {
  if (e === undefined) return Attributes.EMPTY;
  const keys: string[] = [];
  const values: AnyValue[] = [];
  for (const [k, v] of e.keyAttributes) {
    keys.push(`cloudwatch.entity.key.${k}`);
    values.push(v);
  }
  for (const [k, v] of e.attributes) {
    keys.push(`cloudwatch.entity.attribute.${k}`);
    values.push(v);
  }
  return Attributes.of(keys, values);
}
