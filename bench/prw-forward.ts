import { processCpuSeconds } from './kit/proc-cpu.js';
import { sendAll } from './kit/load.js';
import { POINTS_PER_REQUEST, remoteWriteBody, remoteWritePayload } from './kit/payloads.js';
import { BENCH_AWS_KEYS, type Proc, sinkStats, startGateway, startSink, startVmagent, waitForSamples } from './kit/procs.js';
import { freePorts } from '../test/kit/ports.js';
import { SnappyScratch, snappyCompress, snappyUncompress } from '../src/exporters/helper/snappy.js';
import { cpuSeconds, fmtBytes, fmtRate, median } from './measure.js';

/**
 * On-prem forwarding benchmark (issue "On-prem push"): remote write in ->
 * remote write out with SigV4 and one label added from the caller's bearer
 * token, data points per CPU-second of the gateway process, side by side in
 * one run with vmagent doing the same (`-remoteWrite.label`,
 * `-remoteWrite.aws.useSigv4`). Also: the gateway's rate against snappy
 * decompression plus compression of the same bodies, the unavoidable part.
 */

const KEYS = BENCH_AWS_KEYS;
const TOKEN = 'bench-token-0123456789abcdef';
/** As in bench/prw.ts: many concurrent senders, many short alternating rounds. */
const LANES = 16;
const REQUESTS = 160;
const ROUNDS = 15;

export async function benchPrwForward(): Promise<{ lines: string[] }> {
  const [sinkG, sinkV, rwPort, vmPort] = await freePorts(4);
  const sinks = [await startSink(sinkG), await startSink(sinkV)];
  const gw = await startGateway(
    `
extensions:
  sigv4auth: {region: us-east-1, service: aps}
  bearertokenauth:
    tokens:
      - {token: ${TOKEN}, name: paris, attributes: {tenant: paris}}
receivers:
  prometheusremotewrite:
    endpoint: 127.0.0.1:${rwPort}
    auth: {authenticator: bearertokenauth}
processors:
  attributes:
    actions:
      - {key: tenant, from_context: auth.tenant, action: upsert}
  batch:
exporters:
  prometheusremotewrite:
    endpoint: http://127.0.0.1:${sinkG}/api/v1/write
    auth: {authenticator: sigv4auth}
    add_metric_suffixes: false
    remote_write_queue: {num_consumers: 4}
service:
  extensions: [sigv4auth, bearertokenauth]
  telemetry: {metrics: {level: none}, logs: {level: warn}}
  pipelines:
    metrics: {receivers: [prometheusremotewrite], processors: [attributes, batch], exporters: [prometheusremotewrite]}
`,
    `http://127.0.0.1:${rwPort}/`,
    KEYS,
  );
  const vmagent = await startVmagent(vmPort, sinkV, ['-remoteWrite.label=tenant=paris']);
  const procs: Proc[] = [...sinks, gw, vmagent];
  const rwHeaders = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' };
  try {
    let seq = 0;
    const lanes = (n: number): Buffer[][] => {
      const s0 = seq;
      seq += n / LANES;
      return Array.from({ length: LANES }, (_, lane) => Array.from({ length: n / LANES }, (_, k) => remoteWritePayload(s0 + k, lane)));
    };
    const gwUrl = `http://127.0.0.1:${rwPort}/api/v1/write`;
    const vmUrl = `http://127.0.0.1:${vmPort}/api/v1/write`;
    const gwHeaders = { ...rwHeaders, authorization: `Bearer ${TOKEN}` };
    const gwRates: number[] = [];
    const vmRates: number[] = [];
    let gwSent = 0;
    let vmSent = 0;
    const warm = 2 * LANES;
    await sendAll(gwUrl, lanes(warm), gwHeaders);
    gwSent += warm * POINTS_PER_REQUEST;
    await waitForSamples(sinkG, gwSent);
    await sendAll(vmUrl, lanes(warm), rwHeaders);
    vmSent += warm * POINTS_PER_REQUEST;
    await waitForSamples(sinkV, vmSent);
    for (let r = 0; r < ROUNDS; r++) {
      // Both get identical bodies each round, in alternating order.
      const bodies = lanes(REQUESTS);
      const c0 = processCpuSeconds(gw.pid);
      await sendAll(gwUrl, bodies, gwHeaders);
      gwSent += REQUESTS * POINTS_PER_REQUEST;
      await waitForSamples(sinkG, gwSent);
      gwRates.push((REQUESTS * POINTS_PER_REQUEST) / (processCpuSeconds(gw.pid) - c0));

      const v0 = processCpuSeconds(vmagent.pid);
      await sendAll(vmUrl, bodies, rwHeaders);
      vmSent += REQUESTS * POINTS_PER_REQUEST;
      await waitForSamples(sinkV, vmSent);
      vmRates.push((REQUESTS * POINTS_PER_REQUEST) / (processCpuSeconds(vmagent.pid) - v0));
    }
    // The unavoidable part: snappy decompression of the incoming bodies and compression of outgoing ones.
    const raw = Array.from({ length: 30 }, (_, i) => remoteWriteBody(100_000 + i));
    const packed = raw.map((b) => snappyCompress(b));
    const scratch = new SnappyScratch();
    const s0 = cpuSeconds();
    let n = 0;
    for (let k = 0; k < 10; k++) {
      for (let i = 0; i < raw.length; i++) {
        snappyUncompress(packed[i], Number.MAX_SAFE_INTEGER, scratch);
        snappyCompress(raw[i]);
        n += POINTS_PER_REQUEST;
      }
    }
    const snappyRate = n / (cpuSeconds() - s0);
    const g = median(gwRates);
    const v = median(vmRates);
    const ratio = median(gwRates.map((x, k) => x / vmRates[k]));
    const [sg, sv] = [await sinkStats(sinkG), await sinkStats(sinkV)];
    return {
      lines: [
        `payload: ${POINTS_PER_REQUEST} samples per request (100 metrics x 20 series, 12 labels), ${REQUESTS} requests per round from ${LANES} concurrent senders, ${ROUNDS} rounds; SigV4 out and one label added on both`,
        `tributary (remote write + bearer token -> attributes tenant from auth.tenant -> batch -> remote write + SigV4): ${fmtRate(g)} samples per CPU-second (rounds: ${gwRates.map(fmtRate).join(', ')})`,
        `vmagent (-remoteWrite.label=tenant=paris, -remoteWrite.aws.useSigv4, 4 queues): ${fmtRate(v)} samples per CPU-second (rounds: ${vmRates.map(fmtRate).join(', ')})`,
        `ratio tributary / vmagent: ${ratio.toFixed(2)}x, per round ${gwRates.map((x, k) => (x / vmRates[k]).toFixed(2)).join(', ')} (target >= 1.0x)`,
        `requests to the sink: tributary ${sg.requests} (${fmtBytes(sg.bytes / sg.requests)} each, ${(sg.bytes / sg.samples).toFixed(1)} bytes per sample), vmagent ${sv.requests} (${fmtBytes(sv.bytes / sv.requests)} each, ${(sv.bytes / sv.samples).toFixed(1)} bytes per sample)`,
        `snappy decompress + compress alone of the same requests: ${fmtRate(snappyRate)} samples per CPU-second; tributary runs at ${((g / snappyRate) * 100).toFixed(0)}% of that bound`,
      ],
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
