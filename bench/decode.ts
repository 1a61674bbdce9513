import { decodeOtlpProto } from '../src/model/otlp/decode-proto.js';
import { otlpType } from '../src/model/otlp/schema.js';
import { type Contender, compare, fmtRate } from './measure.js';
import { CORE_PAYLOAD, otlpRequestBytes, pointCount } from './otlp-payload.js';

/**
 * Core issue benchmark: OTLP protobuf decode-to-model, data points per
 * CPU-second, beside protobufjs' reflection decode of the same bytes.
 */
export function benchDecode(): { ratio: number; lines: string[] } {
  const bytes = otlpRequestBytes(CORE_PAYLOAD);
  const points = pointCount(CORE_PAYLOAD);
  const Req = otlpType('ExportMetricsServiceRequest');
  const contenders: Contender[] = [
    { name: 'tributary decodeOtlpProto', run: () => (decodeOtlpProto(bytes), points) },
    { name: 'protobufjs reflection Type.decode', run: () => (Req.decode(bytes), points) },
  ];
  const [ours, base] = compare(contenders);
  const ratio = ours.itemsPerCpuSecond / base.itemsPerCpuSecond;
  return {
    ratio,
    lines: [
      `payload: ${points} points, ${bytes.length} bytes (1,000 series x 10 points, 8 attributes, histograms among them)`,
      `${ours.name}: ${fmtRate(ours.itemsPerCpuSecond)} points per CPU-second`,
      `${base.name}: ${fmtRate(base.itemsPerCpuSecond)} points per CPU-second`,
      `ratio: ${ratio.toFixed(2)}x (target >= 4x)`,
    ],
  };
}
