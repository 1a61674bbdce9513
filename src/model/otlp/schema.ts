import protobuf from 'protobufjs';

/**
 * The OTLP metrics protobuf schema as a protobufjs descriptor (field numbers
 * from opentelemetry-proto: collector/metrics/v1, metrics/v1, common/v1,
 * resource/v1), plus google.rpc.Status. Used where reflection is good enough:
 * tests that build payloads by hand, and the benchmark baseline. The hot path
 * uses the hand-written codec in decode-proto.ts.
 */
const f = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });

export const otlpMetricsDescriptor = {
  nested: {
    otlp: {
      nested: {
        ExportMetricsServiceRequest: { fields: { resourceMetrics: f('ResourceMetrics', 1, 'repeated') } },
        ExportMetricsServiceResponse: { fields: { partialSuccess: f('ExportMetricsPartialSuccess', 1) } },
        ExportMetricsPartialSuccess: { fields: { rejectedDataPoints: f('int64', 1), errorMessage: f('string', 2) } },
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
          fields: {
            stringValue: f('string', 1),
            boolValue: f('bool', 2),
            intValue: f('int64', 3),
            doubleValue: f('double', 4),
            arrayValue: f('ArrayValue', 5),
            kvlistValue: f('KeyValueList', 6),
            bytesValue: f('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: f('AnyValue', 1, 'repeated') } },
        KeyValueList: { fields: { values: f('KeyValue', 1, 'repeated') } },
        KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
        InstrumentationScope: {
          fields: { name: f('string', 1), version: f('string', 2), attributes: f('KeyValue', 3, 'repeated'), droppedAttributesCount: f('uint32', 4) },
        },
        Resource: { fields: { attributes: f('KeyValue', 1, 'repeated'), droppedAttributesCount: f('uint32', 2) } },
        ResourceMetrics: { fields: { resource: f('Resource', 1), scopeMetrics: f('ScopeMetrics', 2, 'repeated'), schemaUrl: f('string', 3) } },
        ScopeMetrics: { fields: { scope: f('InstrumentationScope', 1), metrics: f('Metric', 2, 'repeated'), schemaUrl: f('string', 3) } },
        Metric: {
          oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
          fields: {
            name: f('string', 1),
            description: f('string', 2),
            unit: f('string', 3),
            gauge: f('Gauge', 5),
            sum: f('Sum', 7),
            histogram: f('Histogram', 9),
            exponentialHistogram: f('ExponentialHistogram', 10),
            summary: f('Summary', 11),
            metadata: f('KeyValue', 12, 'repeated'),
          },
        },
        Gauge: { fields: { dataPoints: f('NumberDataPoint', 1, 'repeated') } },
        Sum: { fields: { dataPoints: f('NumberDataPoint', 1, 'repeated'), aggregationTemporality: f('int32', 2), isMonotonic: f('bool', 3) } },
        Histogram: { fields: { dataPoints: f('HistogramDataPoint', 1, 'repeated'), aggregationTemporality: f('int32', 2) } },
        ExponentialHistogram: { fields: { dataPoints: f('ExponentialHistogramDataPoint', 1, 'repeated'), aggregationTemporality: f('int32', 2) } },
        Summary: { fields: { dataPoints: f('SummaryDataPoint', 1, 'repeated') } },
        NumberDataPoint: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            attributes: f('KeyValue', 7, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            asDouble: f('double', 4),
            asInt: f('sfixed64', 6),
            exemplars: f('Exemplar', 5, 'repeated'),
            flags: f('uint32', 8),
          },
        },
        HistogramDataPoint: {
          oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
          fields: {
            attributes: f('KeyValue', 9, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            bucketCounts: f('fixed64', 6, 'repeated'),
            explicitBounds: f('double', 7, 'repeated'),
            exemplars: f('Exemplar', 8, 'repeated'),
            flags: f('uint32', 10),
            min: f('double', 11),
            max: f('double', 12),
          },
        },
        Buckets: { fields: { offset: f('sint32', 1), bucketCounts: f('uint64', 2, 'repeated') } },
        ExponentialHistogramDataPoint: {
          oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
          fields: {
            attributes: f('KeyValue', 1, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            scale: f('sint32', 6),
            zeroCount: f('fixed64', 7),
            positive: f('Buckets', 8),
            negative: f('Buckets', 9),
            flags: f('uint32', 10),
            exemplars: f('Exemplar', 11, 'repeated'),
            min: f('double', 12),
            max: f('double', 13),
            zeroThreshold: f('double', 14),
          },
        },
        ValueAtQuantile: { fields: { quantile: f('double', 1), value: f('double', 2) } },
        SummaryDataPoint: {
          fields: {
            attributes: f('KeyValue', 7, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            quantileValues: f('ValueAtQuantile', 6, 'repeated'),
            flags: f('uint32', 8),
          },
        },
        Exemplar: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            filteredAttributes: f('KeyValue', 7, 'repeated'),
            timeUnixNano: f('fixed64', 2),
            asDouble: f('double', 3),
            asInt: f('sfixed64', 6),
            spanId: f('bytes', 4),
            traceId: f('bytes', 5),
          },
        },
        Status: { fields: { code: f('int32', 1), message: f('string', 2), details: f('Any', 3, 'repeated') } },
        Any: { fields: { typeUrl: f('string', 1), value: f('bytes', 2) } },
      },
    },
  },
};

let root: protobuf.Root | undefined;

/** A reflected message type from the schema, e.g. `otlpType('ExportMetricsServiceRequest')`. */
export function otlpType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(otlpMetricsDescriptor);
  return root.lookupType(`otlp.${name}`);
}
