import { describe, expect, it } from 'vitest';
import { Attributes } from './attributes.js';
import type { Exemplar, Points } from './metric.js';
import { ExpHistogramBuilder, HistogramBuilder, NumberBuilder, SummaryBuilder } from './points-builder.js';
import { keepPoints, selectPoints, slicePoints } from './points.js';

const ex: Exemplar = { filteredAttributes: Attributes.EMPTY, timeUnixNano: 5n, value: 1.5, isInt: false, spanId: new Uint8Array(0), traceId: new Uint8Array(0) };

/** Five points of each kind, with varying bucket and quantile counts and one exemplar. */
function samples(): Points[] {
  const attrs = (i: number) => Attributes.fromObject({ i: String(i) });
  const nb = new NumberBuilder();
  const hb = new HistogramBuilder();
  const eb = new ExpHistogramBuilder();
  const sb = new SummaryBuilder();
  for (let i = 0; i < 5; i++) {
    let j = nb.begin();
    nb.values[j] = i * 1.5;
    nb.isInt[j] = i % 2;
    nb.times[2 * j] = i;
    nb.startTimes[2 * j + 1] = 7;
    if (i === 3) nb.addExemplar(j, ex);
    nb.commit(attrs(i));
    j = hb.begin();
    hb.counts[j] = i;
    hb.sums[j] = 10 * i;
    hb.has[j] = 1;
    for (let k = 0; k <= i; k++) hb.pushBucket(k + i);
    for (let k = 0; k < i; k++) hb.pushBound(k * 10);
    hb.commit(attrs(i));
    j = eb.begin();
    eb.scales[j] = i;
    eb.zeroCounts[j] = 1;
    eb.posOffsets[j] = -i;
    for (let k = 0; k < i; k++) eb.pushPositive(k);
    for (let k = 0; k < 5 - i; k++) eb.pushNegative(k * 2);
    eb.commit(attrs(i));
    j = sb.begin();
    sb.counts[j] = i;
    for (let k = 0; k < i; k++) sb.pushQuantile(k / 10, k * 100);
    sb.commit(attrs(i));
  }
  return [nb.finish(), hb.finish(), eb.finish(), sb.finish()];
}

describe('keepPoints', () => {
  it.each(['number', 'histogram', 'exphistogram', 'summary'])('packs %s points exactly as selectPoints does', (kind) => {
    const p = samples().find((x) => x.kind === kind)!;
    for (const mask of [[1, 0, 1, 1, 0], [0, 0, 0, 0, 1], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]]) {
      const keep = Uint8Array.from(mask);
      const kept = mask.filter((x) => x === 1).length;
      expect(keepPoints(p, keep, kept)).toEqual(selectPoints(p, (i) => keep[i] === 1));
    }
  });

  it('works on a slice whose offsets point into the full buffers', () => {
    for (const p of samples()) {
      const s = slicePoints(p, 1, 4);
      const keep = Uint8Array.from([1, 0, 1]);
      expect(keepPoints(s, keep, 2)).toEqual(selectPoints(s, (i) => keep[i] === 1));
    }
  });
});
