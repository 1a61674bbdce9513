import { type IncomingHttpHeaders, createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decodeJson } from '../receivers/putmetricdata/decode-json.js';
import type { Host } from '../component/component.js';
import { type PutMetricDataRequest, readPutMetricData } from '../receivers/putmetricdata/request.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { staticSigv4Host } from './aws-static.js';
import { listenLocal, readBody } from './local-server.js';

/**
 * A local stand-in for CloudWatch and CloudWatch Logs, as the AWS SDK for
 * JavaScript talks to them (AWS JSON 1.0 for CloudWatch with
 * `x-amzn-query-error`, AWS JSON 1.1 for Logs), for tests that need to
 * script answers: it answers each call with the next scripted answer
 * (default: success), records every request, and validates every
 * PutMetricData body with the putmetricdata receiver's reading of the
 * API's rules, so a test sees whether the exporter only ever sends
 * requests CloudWatch would accept.
 */

export interface Answer {
  readonly status: number;
  /** The AWS error code (for errors). */
  readonly code?: string;
  readonly message?: string;
  /** For CloudWatch's awsQueryCompatible errors: Sender or Receiver. */
  readonly fault?: 'Sender' | 'Receiver';
  /** A success body for Logs calls (default {}). */
  readonly body?: object;
  /** An error body in another shape than the protocol's (as proxies and emulators answer), sent as it is. */
  readonly raw?: { readonly contentType: string; readonly body: string };
}

export interface RecordedCall {
  /** The operation, from X-Amz-Target (PutMetricData, PutLogEvents, CreateLogGroup...). */
  readonly operation: string;
  readonly headers: IncomingHttpHeaders;
  /** Bytes as they arrived (gzip-compressed when content-encoding says so). */
  readonly raw: Buffer;
  /** The JSON input, decompressed and parsed. */
  readonly input: Record<string, unknown>;
  readonly status: number;
  /** For PutMetricData: the validated request, or the validation error. */
  readonly validated?: { ok: true; request: PutMetricDataRequest } | { ok: false; error: Error };
}

export interface CloudWatchEndpoint {
  readonly url: string;
  readonly calls: RecordedCall[];
  /** Answers for the next calls of `operation`, in order; then success again. */
  script(operation: string, ...answers: Answer[]): void;
  close(): Promise<void>;
}

export const THROTTLING: Answer = { status: 400, code: 'Throttling', message: 'Rate exceeded', fault: 'Sender' };

export async function startCloudWatchEndpoint(): Promise<CloudWatchEndpoint> {
  const calls: RecordedCall[] = [];
  const scripts = new Map<string, Answer[]>();
  let n = 0;
  const server = createServer((req, res) =>
    readBody(req, (raw) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.lastIndexOf('.') + 1);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const input = decodeJson(body);
      const answer = scripts.get(operation)?.shift() ?? { status: 200 };
      const validated = operation === 'PutMetricData' ? readPutMetricData(input, Date.now()) : undefined;
      calls.push({ operation, headers: req.headers, raw, input, status: answer.status, validated });
      const headers: Record<string, string> = { 'x-amzn-requestid': `req-${++n}`, 'content-type': target.startsWith('Logs_') ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0' };
      if (answer.raw !== undefined) {
        res.writeHead(answer.status, { ...headers, 'content-type': answer.raw.contentType }).end(answer.raw.body);
        return;
      }
      if (answer.status >= 300) {
        if (!target.startsWith('Logs_')) headers['x-amzn-query-error'] = `${answer.code};${answer.fault ?? 'Sender'}`;
        res.writeHead(answer.status, headers).end(JSON.stringify({ __type: answer.code, message: answer.message ?? answer.code }));
        return;
      }
      res.writeHead(200, headers).end(JSON.stringify(answer.body ?? {}));
    }),
  );
  const { url, close } = await listenLocal(server);
  return {
    url,
    calls,
    script: (operation, ...answers) => {
      const list = scripts.get(operation) ?? [];
      list.push(...answers);
      scripts.set(operation, list);
    },
    close,
  };
}

export interface CloudWatchTestBed {
  readonly cw: CloudWatchEndpoint;
  /** Offers a started sigv4auth extension with fixed credentials as "sigv4auth". */
  readonly host: Host;
  close(): Promise<void>;
}

/** The stand-in endpoint and a host with a credentials extension, for exporter tests. */
export async function startCloudWatchTestBed(): Promise<CloudWatchTestBed> {
  const cw = await startCloudWatchEndpoint();
  const { host, auth } = await staticSigv4Host();
  return {
    cw,
    host,
    close: async () => {
      await cw.close();
      await auth.shutdown();
    },
  };
}

/** The value of one self-metric series (0 when absent). */
export async function selfMetricValue(metrics: SelfMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}
