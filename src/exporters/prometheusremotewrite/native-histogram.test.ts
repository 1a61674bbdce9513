import { describe, expect, it } from 'vitest';
import { toSpans } from './native-histogram.js';

describe('native histogram spans', () => {
  it('keeps gaps of up to two empty buckets inside a span and splits on longer ones', () => {
    // The specification's example: OTel offset 3 (Prometheus index 4), counts 10,0,0,20,5,2.
    expect(toSpans(4, [10, 0, 0, 20, 5, 2])).toEqual({ spans: [[4, 6]], deltas: [10, -10, 0, 20, -15, -3] });
    expect(toSpans(1, [1, 0, 0, 0, 2])).toEqual({ spans: [[1, 1], [3, 1]], deltas: [1, 1] });
  });

  it('skips leading and trailing empty buckets', () => {
    expect(toSpans(-2, [0, 0, 3, 1, 0])).toEqual({ spans: [[0, 2]], deltas: [3, -2] });
    expect(toSpans(0, [0, 0])).toEqual({ spans: [], deltas: [] });
  });
});
