import type { ExpHistogramBuilder, HistogramBuilder, NumberBuilder, SummaryBuilder } from '../points-builder.js';

/**
 * Validation of a data point just written at index i of a builder, shared by
 * every decoder. Returns why the point is invalid, or undefined. These are the
 * points counted as rejected in an OTLP partial success.
 */

function missingTime(b: { times: Uint32Array }, i: number): boolean {
  return b.times[2 * i] === 0 && b.times[2 * i + 1] === 0;
}

export function numberProblem(b: NumberBuilder, i: number, hasValue: boolean): string | undefined {
  if (!hasValue && (b.flags[i] & 1) === 0) return 'number data point has no value (neither as_double nor as_int)';
  if (missingTime(b, i)) return 'time_unix_nano is required';
  return undefined;
}

export function histogramProblem(b: HistogramBuilder, i: number): string | undefined {
  if (b.times[2 * i] === 0 && b.times[2 * i + 1] === 0) return 'time_unix_nano is required';
  const nb = b.nBuckets - b.bucketStart[i];
  const nx = b.nBounds - b.boundStart[i];
  if (nb !== 0 && nb !== nx + 1) return `histogram has ${nb} bucket_counts for ${nx} explicit_bounds (want bounds + 1)`;
  for (let k = b.boundStart[i] + 1; k < b.nBounds; k++) {
    if (!(b.bounds[k] > b.bounds[k - 1])) return 'histogram explicit_bounds are not strictly increasing';
  }
  return undefined;
}

export function expHistogramProblem(b: ExpHistogramBuilder, i: number): string | undefined {
  if (b.times[2 * i] === 0 && b.times[2 * i + 1] === 0) return 'time_unix_nano is required';
  const s = b.scales[i];
  if (s < -10 || s > 20) return `exponential histogram scale ${s} outside [-10, 20]`;
  return undefined;
}


export function summaryProblem(b: SummaryBuilder, i: number): string | undefined {
  if (missingTime(b, i)) return 'time_unix_nano is required';
  for (let k = b.quantileStart[i]; k < b.nQ; k++) {
    const q = b.quantiles[k];
    if (!(q >= 0 && q <= 1)) return `summary quantile ${q} outside [0, 1]`;
  }
  return undefined;
}
