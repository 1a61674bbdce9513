import { processCpuSeconds } from './kit/proc-cpu.js';
import { sendAll } from './kit/load.js';
import { POINTS_PER_REQUEST, otlpPayload, remoteWriteBody, remoteWritePayload } from './kit/payloads.js';
import { BENCH_AWS_KEYS, type Proc, sinkStats, startGateway, startSink, startVmagent, waitForSamples } from './kit/procs.js';
import { freePorts } from '../test/kit/ports.js';
import { snappyCompress } from '../src/exporters/helper/snappy.js';
import { cpuSeconds, fmtBytes, fmtRate, median } from './measure.js';

/**
 * AMP-path benchmark (issue "AMP export"): OTLP protobuf in -> remote write
 * out with SigV4, data points per CPU-second of the gateway process, side by
 * side in one run with vmagent (Debian victoria-metrics) forwarding the same
 * samples remote write in -> remote write out with SigV4. Also: how close the
 * gateway is to the cost of snappy compression alone, the unavoidable part.
 */

const KEYS = BENCH_AWS_KEYS;
/**
 * 16 concurrent senders, as a central gateway sees many. With 4 the gateway
 * idled: its batch processor answers a caller only once the batch is handed
 * on, so 4 closed-loop senders filled a batch only to 8,000 points per
 * 200 ms timeout and the gateway was idle most of each round, while vmagent
 * (which answers before forwarding) was busy. Many short alternating
 * rounds: this shared machine drifts within seconds, and the median of
 * per-round ratios absorbs it best.
 */
const LANES = 16;
const REQUESTS = 160;
const ROUNDS = 15;

export async function benchPrw(): Promise<{ lines: string[] }> {
  const [sinkG, sinkV, otlpHttp, vmPort] = await freePorts(4);
  const sinks = [await startSink(sinkG), await startSink(sinkV)];
  const gw = await startGateway(
    `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${otlpHttp}"}}}
processors:
  batch:
exporters:
  prometheusremotewrite:
    endpoint: http://127.0.0.1:${sinkG}/api/v1/write
    auth: {authenticator: sigv4auth}
    remote_write_queue: {num_consumers: 4}
extensions:
  sigv4auth: {region: us-east-1, service: aps}
service:
  extensions: [sigv4auth]
  telemetry: {metrics: {level: none}, logs: {level: warn}}
  pipelines:
    metrics: {receivers: [otlp], processors: [batch], exporters: [prometheusremotewrite]}
`,
    `http://127.0.0.1:${otlpHttp}/`,
    KEYS,
  );
  const vmagent = await startVmagent(vmPort, sinkV);
  const procs: Proc[] = [...sinks, gw, vmagent];
  try {
    let seq = 0;
    // LANES senders at once, each with its own series, REQUESTS in all per round.
    const lanes = (make: (s: number, lane: number) => Buffer, n: number): Buffer[][] => {
      const s0 = seq;
      seq += n / LANES;
      return Array.from({ length: LANES }, (_, lane) => Array.from({ length: n / LANES }, (_, k) => make(s0 + k, lane)));
    };
    const gwRates: number[] = [];
    const vmRates: number[] = [];
    let gwSent = 0;
    let vmSent = 0;
    // Warm-up both (JIT, connections), then alternate measured rounds.
    const warm = 2 * LANES;
    await sendAll(`http://127.0.0.1:${otlpHttp}/v1/metrics`, lanes(otlpPayload, warm), { 'content-type': 'application/x-protobuf' });
    gwSent += warm * POINTS_PER_REQUEST;
    await waitForSamples(sinkG, gwSent);
    await sendAll(`http://127.0.0.1:${vmPort}/api/v1/write`, lanes(remoteWritePayload, warm), { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' });
    vmSent += warm * POINTS_PER_REQUEST;
    await waitForSamples(sinkV, vmSent);
    for (let r = 0; r < ROUNDS; r++) {
      const otlp = lanes(otlpPayload, REQUESTS);
      const c0 = processCpuSeconds(gw.pid);
      await sendAll(`http://127.0.0.1:${otlpHttp}/v1/metrics`, otlp, { 'content-type': 'application/x-protobuf' });
      gwSent += REQUESTS * POINTS_PER_REQUEST;
      await waitForSamples(sinkG, gwSent);
      gwRates.push((REQUESTS * POINTS_PER_REQUEST) / (processCpuSeconds(gw.pid) - c0));

      const rw = lanes(remoteWritePayload, REQUESTS);
      const v0 = processCpuSeconds(vmagent.pid);
      await sendAll(`http://127.0.0.1:${vmPort}/api/v1/write`, rw, { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' });
      vmSent += REQUESTS * POINTS_PER_REQUEST;
      await waitForSamples(sinkV, vmSent);
      vmRates.push((REQUESTS * POINTS_PER_REQUEST) / (processCpuSeconds(vmagent.pid) - v0));
    }
    // The unavoidable part: compressing the same remote-write bodies with snappy, in this process.
    const bodies = Array.from({ length: 30 }, (_, i) => remoteWriteBody(100_000 + i));
    const s0 = cpuSeconds();
    let compressed = 0;
    for (let k = 0; k < 10; k++) for (const b of bodies) compressed += snappyCompress(b).length > 0 ? POINTS_PER_REQUEST : 0;
    const snappyRate = compressed / (cpuSeconds() - s0);
    const g = median(gwRates);
    const v = median(vmRates);
    // Rounds alternate, so each pair saw the same machine conditions: the median of per-pair ratios drifts least.
    const ratio = median(gwRates.map((x, k) => x / vmRates[k]));
    const [sg, sv] = [await sinkStats(sinkG), await sinkStats(sinkV)];
    return {
      lines: [
        `payload: ${POINTS_PER_REQUEST} points per request (100 metrics x 20 series, 8 attributes), ${REQUESTS} requests per round from ${LANES} concurrent senders, ${ROUNDS} rounds, SigV4 on both`,
        `tributary (OTLP/HTTP protobuf -> batch -> remote write + SigV4, 4 consumers, defaults otherwise): ${fmtRate(g)} points per CPU-second (rounds: ${gwRates.map(fmtRate).join(', ')})`,
        `vmagent (remote write -> remote write + SigV4, 4 queues, defaults otherwise): ${fmtRate(v)} samples per CPU-second (rounds: ${vmRates.map(fmtRate).join(', ')})`,
        `ratio tributary / vmagent: ${ratio.toFixed(2)}x, median of per-round ratios ${gwRates.map((x, k) => (x / vmRates[k]).toFixed(2)).join(', ')} (target >= 0.7x)`,
        `requests to the sink: tributary ${sg.requests} (${fmtBytes(sg.bytes / sg.requests)} each, ${(sg.bytes / sg.samples).toFixed(1)} bytes per sample), vmagent ${sv.requests} (${fmtBytes(sv.bytes / sv.requests)} each, ${(sv.bytes / sv.samples).toFixed(1)} bytes per sample)`,
        `snappy compression alone of the same requests: ${fmtRate(snappyRate)} samples per CPU-second; tributary runs at ${((g / snappyRate) * 100).toFixed(0)}% of that bound`,
      ],
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
