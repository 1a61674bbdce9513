import { LineProtocolParser } from '../src/receivers/influxdb/line-protocol.js';
import { type Contender, compare, fmtRate } from './measure.js';

/**
 * Influx line protocol parse-to-model, data points per CPU-second, on a
 * Telegraf-like payload, beside a straightforward parse of the same text
 * (split and regular expressions into one object per point) in the same run.
 */

/** Telegraf's cpu, mem and disk inputs for `hosts` hosts, one interval, nanosecond timestamps. */
export function telegrafPayload(hosts = 100): { text: string; points: number } {
  const lines: string[] = [];
  let points = 0;
  const ts = '1700000000000000000';
  for (let h = 0; h < hosts; h++) {
    // Telegraf writes tags sorted by key.
    const host = `host=web-${String(h).padStart(3, '0')}.prod.example.com`;
    const site = `rack=r${h % 12},region=eu-west-1`;
    const common = `dc=dub\\ 2,env=production,${host},${site}`;
    for (const cpu of ['cpu-total', 'cpu0', 'cpu1', 'cpu2', 'cpu3']) {
      const f = [0.3, 0.1, 98.9, 0.2, 0, 0.05, 0, 0, 0, 0.45].map((v, i) => v + (h % 7) * 0.01 + i * 0.001);
      const names = ['usage_user', 'usage_system', 'usage_idle', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice', 'usage_nice'];
      lines.push(`cpu,cpu=${cpu},${common} ${names.map((n, i) => `${n}=${f[i]}`).join(',')} ${ts}`);
      points += names.length;
    }
    const mem = [
      `total=${16_000_000_000 + h}i`, `available=${9_000_000_000 + h * 13}i`, `used=${7_000_000_000 - h}i`, `free=${2_000_000_000 + h}i`,
      `cached=${5_000_000_000 + h}i`, `buffered=${300_000_000 + h}i`, `used_percent=${43.75 + h / 100}`, `available_percent=${56.25 - h / 100}`,
      `swap_total=${2_000_000_000}i`, `swap_free=${1_900_000_000 + h}i`,
    ];
    lines.push(`mem,${common} ${mem.join(',')} ${ts}`);
    points += mem.length;
    for (const [device, path] of [['nvme0n1p1', '/'], ['nvme0n1p2', '/var/lib/docker'], ['nvme1n1', '/data']]) {
      const disk = [
        `free=${400_000_000_000 + h * 7}i`, `total=${1_000_000_000_000}i`, `used=${600_000_000_000 - h * 7}i`, `used_percent=${60.0 + h / 1000}`,
        `inodes_free=${60_000_000 + h}i`, `inodes_total=${65_536_000}i`, `inodes_used=${5_536_000 - h}i`,
      ];
      lines.push(`disk,dc=dub\\ 2,device=${device},env=production,fstype=ext4,${host},mode=rw,path=${path},${site} ${disk.join(',')} ${ts}`);
      points += disk.length;
    }
  }
  return { text: `${lines.join('\n')}\n`, points };
}

interface RefPoint {
  name: string;
  tags: Record<string, string>;
  value: number;
  isInt: boolean;
  time: bigint;
}

const unescapeKey = (s: string): string => s.replace(/\\([,= ])/g, '$1');

/** The obvious parse: split on unescaped delimiters with regular expressions, one object per point. */
export function referenceParse(text: string, nowNs: bigint): RefPoint[] {
  const out: RefPoint[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const [head, fieldSet, ts] = line.split(/(?<!\\) /);
    const [measurement, ...tagPairs] = head.split(/(?<!\\),/);
    const tags: Record<string, string> = {};
    for (const pair of tagPairs) {
      const [k, v] = pair.split(/(?<!\\)=/);
      tags[unescapeKey(k)] = unescapeKey(v);
    }
    const time = ts === undefined ? nowNs : BigInt(ts);
    const name = measurement.replace(/\\([, ])/g, '$1');
    for (const field of fieldSet.split(/(?<!\\),/)) {
      const [k, v] = field.split(/(?<!\\)=/);
      let value: number;
      let isInt = false;
      if (v.endsWith('i') || v.endsWith('u')) {
        value = Number.parseInt(v.slice(0, -1), 10);
        isInt = true;
      } else if (/^[tT]/.test(v) || /^[fF]/.test(v)) {
        value = /^[tT]/.test(v) ? 1 : 0;
        isInt = true;
      } else if (v.startsWith('"')) continue;
      else value = Number.parseFloat(v);
      out.push({ name: `${name}_${unescapeKey(k)}`, tags, value, isInt, time });
    }
  }
  return out;
}

export function benchInflux(): { ratio: number; lines: string[] } {
  const { text, points } = telegrafPayload();
  // The receiver parses bytes: each contender decodes the UTF-8 body, as the receiver does.
  const body = Buffer.from(text);
  const parser = new LineProtocolParser();
  // Both sides must agree on what the payload holds before their speed is compared.
  const ours = parser.parse(text, 'ns', Date.now());
  const ref = referenceParse(text, 0n);
  if (ours.errors.length > 0 || ours.points !== points || ref.length !== points) {
    throw new Error(`payload mismatch: ${points} points written, parser ${ours.points} (${ours.errors.join('; ')}), reference ${ref.length}`);
  }
  const contenders: Contender[] = [
    { name: 'tributary parser, steady state (tag sets known from earlier requests)', run: () => (parser.parse(body.toString('utf8'), 'ns', 0), points) },
    { name: 'tributary parser, first sight (a new parser: every tag set parsed)', run: () => (new LineProtocolParser().parse(body.toString('utf8'), 'ns', 0), points) },
    { name: 'reference split/regex parse (an object per point)', run: () => (referenceParse(body.toString('utf8'), 0n), points) },
  ];
  const [steady, first, base] = compare(contenders);
  const ratio = steady.itemsPerCpuSecond / base.itemsPerCpuSecond;
  return {
    ratio,
    lines: [
      `payload: ${points} points in ${text.split('\n').length - 1} lines, ${body.length} bytes (Telegraf cpu/mem/disk for 100 hosts, 6-10 tags, 7-10 fields a line)`,
      ...[steady, first, base].map((r) => `${r.name}: ${fmtRate(r.itemsPerCpuSecond)} points per CPU-second`),
      `ratio: ${ratio.toFixed(2)}x steady state, ${(first.itemsPerCpuSecond / base.itemsPerCpuSecond).toFixed(2)}x first sight`,
    ],
  };
}
