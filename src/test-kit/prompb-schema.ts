import protobuf from 'protobufjs';

/**
 * Remote write 1.0 messages (prompb/types.proto, remote.proto) as a
 * protobufjs descriptor, for tests that read what the exporter wrote or
 * build requests by hand. Field numbers from the prompb definitions.
 */
const f = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });

const descriptor = {
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: f('TimeSeries', 1, 'repeated'), metadata: f('MetricMetadata', 3, 'repeated') } },
        TimeSeries: {
          fields: {
            labels: f('Label', 1, 'repeated'),
            samples: f('Sample', 2, 'repeated'),
            exemplars: f('Exemplar', 3, 'repeated'),
            histograms: f('Histogram', 4, 'repeated'),
          },
        },
        Label: { fields: { name: f('string', 1), value: f('string', 2) } },
        Sample: { fields: { value: f('double', 1), timestamp: f('int64', 2) } },
        Exemplar: { fields: { labels: f('Label', 1, 'repeated'), value: f('double', 2), timestamp: f('int64', 3) } },
        MetricMetadata: { fields: { type: f('int32', 1), metricFamilyName: f('string', 2), help: f('string', 4), unit: f('string', 5) } },
        BucketSpan: { fields: { offset: f('sint32', 1), length: f('uint32', 2) } },
        Histogram: {
          oneofs: { count: { oneof: ['countInt', 'countFloat'] }, zeroCount: { oneof: ['zeroCountInt', 'zeroCountFloat'] } },
          fields: {
            countInt: f('uint64', 1),
            countFloat: f('double', 2),
            sum: f('double', 3),
            schema: f('sint32', 4),
            zeroThreshold: f('double', 5),
            zeroCountInt: f('uint64', 6),
            zeroCountFloat: f('double', 7),
            negativeSpans: f('BucketSpan', 8, 'repeated'),
            negativeDeltas: f('sint64', 9, 'repeated'),
            negativeCounts: f('double', 10, 'repeated'),
            positiveSpans: f('BucketSpan', 11, 'repeated'),
            positiveDeltas: f('sint64', 12, 'repeated'),
            positiveCounts: f('double', 13, 'repeated'),
            resetHint: f('int32', 14),
            timestamp: f('int64', 15),
          },
        },
      },
    },
  },
};

let root: protobuf.Root | undefined;

export function prompbType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(descriptor);
  return root.lookupType(`prometheus.${name}`);
}

export interface DecodedSeries {
  readonly labels: Record<string, string>;
  readonly samples: { value: number; timestamp: number }[];
  readonly histograms: Record<string, unknown>[];
  readonly exemplars: { labels: Record<string, string>; value: number; timestamp: number }[];
}

/** Decodes an uncompressed WriteRequest into plain objects. */
export function decodeWriteRequest(body: Uint8Array): { series: DecodedSeries[]; metadata: Record<string, unknown>[] } {
  const T = prompbType('WriteRequest');
  const o = T.toObject(T.decode(body), { longs: Number, defaults: false, arrays: true }) as {
    timeseries: { labels: { name: string; value: string }[]; samples?: { value: number; timestamp: number }[]; histograms?: Record<string, unknown>[]; exemplars?: { labels: { name: string; value: string }[]; value: number; timestamp: number }[] }[];
    metadata: Record<string, unknown>[];
  };
  const labelMap = (ls: { name: string; value: string }[]) => Object.fromEntries(ls.map((l) => [l.name, l.value]));
  return {
    series: (o.timeseries ?? []).map((t) => ({
      labels: labelMap(t.labels ?? []),
      samples: (t.samples ?? []).map((s) => ({ value: s.value ?? 0, timestamp: s.timestamp ?? 0 })),
      histograms: t.histograms ?? [],
      exemplars: (t.exemplars ?? []).map((e) => ({ labels: labelMap(e.labels ?? []), value: e.value ?? 0, timestamp: e.timestamp ?? 0 })),
    })),
    metadata: o.metadata ?? [],
  };
}
