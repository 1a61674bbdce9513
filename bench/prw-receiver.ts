import snappyjs from 'snappyjs';
import { snappyCompress, snappyUncompress } from '../src/exporters/helper/snappy.js';
import { PrwDecoder } from '../src/model/prw/decoder.js';
import { ProtoWriter } from '../src/model/proto/writer.js';
import { prompbType } from '../src/test-kit/prompb-schema.js';
import { type Contender, compare, cpuSeconds, fmtRate } from './measure.js';

/**
 * prometheusremotewrite receiver hot path: a snappy remote-write 1.0
 * request as Prometheus sends it after scraping 10 node-exporter-like
 * targets (2,000 samples, about 10 labels each: __name__, job, instance, 5
 * target labels and 0-2 of the metric's own; per target 30 single-series
 * gauges, 10 families of 4 series, 5 of 8 (per CPU), 2 of 32 (CPU x mode)
 * and a classic histogram of 2 x 13 series; each request starts with
 * another target, as scrapes at different moments make it), decoded into
 * the model, samples per CPU-second, beside protobufjs' reflection decode
 * of the same bytes after snappyjs, in one run. Also: the share of our
 * time that is snappy decompression.
 */

const TARGETS = 10;
const SAMPLES = TARGETS * 200;
const T0 = 1_800_000_000_000;
const LIMIT = 20 * 1024 * 1024;

type Labels = [string, string][];

/** One target's 200 series: [name, own labels]. */
function targetSeries(): [string, Labels][] {
  const out: [string, Labels][] = [];
  for (let m = 0; m < 30; m++) out.push([`node_gauge_${m}`, []]);
  for (let m = 0; m < 10; m++) for (let d = 0; d < 4; d++) out.push([`node_disk_io_${m}_total`, [['device', `nvme${d}n1`]]]);
  for (let m = 0; m < 5; m++) for (let c = 0; c < 8; c++) out.push([`node_cpu_${m}`, [['cpu', String(c)]]]);
  const modes = ['idle', 'iowait', 'irq', 'nice'];
  for (let m = 0; m < 2; m++) for (let c = 0; c < 8; c++) for (const mode of modes) out.push([`node_cpu_seconds_${m}_total`, [['cpu', String(c)], ['mode', mode]]]);
  const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  for (const code of ['200', '500']) {
    for (const le of les) out.push(['http_request_duration_seconds_bucket', [['code', code], ['le', le]]]);
    out.push(['http_request_duration_seconds_sum', [['code', code]]]);
  }
  return out;
}

function requestBody(seq: number): Buffer {
  const w = new ProtoWriter(1 << 20);
  const series = targetSeries();
  // Targets are scraped at different moments, so each request starts with another target's block.
  for (let b = 0; b < TARGETS; b++) {
    const t = (b + seq) % TARGETS;
    for (const [k, [name, own]] of series.entries()) {
      const labels: Labels = [
        ['__name__', name],
        ['az', `eu-west-1${'abc'[t % 3]}`],
        ['cluster', 'central'],
        ['env', 'prod'],
        ['instance', `10.0.${t}.17:9100`],
        ['job', 'node'],
        ['region', 'eu-west-1'],
        ['team', `team-${t % 4}`],
        ...own,
      ];
      labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      w.tag(1, 2).fork();
      for (const [n, v] of labels) {
        w.tag(1, 2).fork();
        w.tag(1, 2).string(n);
        w.tag(2, 2).string(v);
        w.join();
      }
      w.tag(2, 2).fork();
      w.tag(1, 1).double(seq * 10 + t + k / 100);
      w.tag(2, 0).uint64(T0 + seq * 15_000);
      w.join();
      w.join();
    }
  }
  return w.finish();
}

export function benchPrwReceiver(): { ratio: number; lines: string[] } {
  const raw = Array.from({ length: 8 }, (_, i) => requestBody(i));
  const bodies = raw.map((b) => snappyCompress(b));
  const decoder = new PrwDecoder();
  const WriteRequest = prompbType('WriteRequest');
  let k = 0;
  const next = () => bodies[k++ % bodies.length];
  // CPU time inside our contender, split between its two steps (a syscall per step: noise well below 1%).
  let inSnappy = 0;
  let inDecode = 0;
  const contenders: Contender[] = [
    {
      name: 'tributary: snappyUncompress + PrwDecoder.decodeV1 (to the model)',
      run: () => {
        const t0 = cpuSeconds();
        const body = snappyUncompress(next(), LIMIT);
        const t1 = cpuSeconds();
        const n = decoder.decodeV1(body).samples;
        inSnappy += t1 - t0;
        inDecode += cpuSeconds() - t1;
        return n;
      },
    },
    {
      name: 'protobufjs reflection: snappyjs.uncompress + WriteRequest.decode',
      run: () => {
        const m = WriteRequest.decode(snappyjs.uncompress(next())) as unknown as { timeseries: unknown[] };
        return m.timeseries.length;
      },
    },
    { name: 'snappy decompression alone (snappyUncompress)', run: () => (snappyUncompress(next(), LIMIT).length > 0 ? SAMPLES : 0) },
    { name: 'PrwDecoder.decodeV1 alone (decompressed bytes)', run: () => decoder.decodeV1(raw[k++ % raw.length]).samples },
  ];
  const [ours, base, snappy, decodeOnly] = compare(contenders, 8, 6);
  const ratio = ours.itemsPerCpuSecond / base.itemsPerCpuSecond;
  const snappyShare = inSnappy / (inSnappy + inDecode);
  return {
    ratio,
    lines: [
      `payload: ${SAMPLES} samples per request (${TARGETS} targets x 200 series, about 10 labels each), ${raw[0].length} bytes raw, ${bodies[0].length} bytes snappy`,
      `${ours.name}: ${fmtRate(ours.itemsPerCpuSecond)} samples per CPU-second`,
      `${base.name}: ${fmtRate(base.itemsPerCpuSecond)} samples per CPU-second`,
      `ratio: ${ratio.toFixed(2)}x (target >= 3x)`,
      `share of the receiver's time in snappy decompression: ${(snappyShare * 100).toFixed(0)}% (measured inside the runs above)`,
      `${snappy.name}: ${fmtRate(snappy.itemsPerCpuSecond)} samples per CPU-second; ${decodeOnly.name}: ${fmtRate(decodeOnly.itemsPerCpuSecond)}`,
    ],
  };
}
