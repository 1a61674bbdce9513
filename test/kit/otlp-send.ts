import { encodeRequest } from '../../src/test-kit/otlp-client.js';

/** Raw OTLP/HTTP sends for gateway tests: gauges with chosen names, values, times and attributes. */
export interface GaugeSample {
  readonly name: string;
  readonly value: number;
  readonly timeMs: number;
  readonly attrs?: Record<string, string>;
}

export function gaugeRequestOf(samples: readonly GaugeSample[], resource: Record<string, string> = { 'service.name': 'faults', 'service.instance.id': 'i-1' }): Buffer {
  const byName = new Map<string, GaugeSample[]>();
  for (const s of samples) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  return encodeRequest({
    resourceMetrics: [
      {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } })) },
        scopeMetrics: [
          {
            metrics: [...byName].map(([name, list]) => ({
              name,
              gauge: {
                dataPoints: list.map((s) => ({
                  timeUnixNano: (BigInt(s.timeMs) * 1_000_000n).toString(),
                  asDouble: s.value,
                  attributes: Object.entries(s.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
                })),
              },
            })),
          },
        ],
      },
    ],
  });
}

export async function postOtlp(url: string, body: Buffer): Promise<number> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
  await res.arrayBuffer();
  return res.status;
}
