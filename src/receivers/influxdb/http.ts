import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthRequest } from '../../component/auth.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type ProtocolError, retryAfterHeader } from '../../errors/transport.js';
import { Attributes } from '../../model/attributes.js';
import type { GaugeMetric, MetricBatch } from '../../model/metric.js';
import { decompressBody } from '../helper/decompress.js';
import { type HttpReceiverDeps, createReceiverHttpServer } from '../helper/http-receiver.js';
import { type HttpServer, authenticateHttp, httpClientInfo } from '../helper/http-server.js';
import type { InfluxdbReceiverConfig } from './config.js';
import { LineProtocolParser, type ParseResult } from './line-protocol.js';
import type { Precision } from './lp-values.js';

/**
 * The InfluxDB write APIs: v1 `POST /write` (db, rp, precision, u/p) and v2
 * `POST /api/v2/write` (bucket, org, orgID, precision), `GET|HEAD /ping`,
 * `GET /health`, and `/query` answering `CREATE DATABASE` (which v1
 * clients send at startup) as a no-op. Success is 204 with no body;
 * errors carry each API's JSON shape, statuses from errors/transport.ts.
 */

/**
 * The InfluxDB version reported in `X-Influxdb-Version`: 1.8 is the
 * release that serves both the 1.x API and the 2.x write API (`/api/v2/write`,
 * `/health`), which is exactly what this receiver offers.
 */
export const INFLUXDB_COMPAT_VERSION = '1.8.10';

type Api = 'v1' | 'v2';

const V1_PRECISIONS: Readonly<Record<string, Precision>> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };
const V2_PRECISIONS: Readonly<Record<string, Precision>> = { ns: 'ns', us: 'us', ms: 'ms', s: 's' };

/** Error codes of the InfluxDB v2 API, by HTTP status. */
const V2_CODES: Readonly<Record<number, string>> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  413: 'request too large',
  415: 'unsupported media type',
  429: 'too many requests',
  503: 'unavailable',
};

/** Resource attributes for the write parameters, by API. */
const RESOURCE_PARAMS: Readonly<Record<Api, readonly [string, string][]>> = {
  v1: [
    ['db', 'influxdb.database'],
    ['rp', 'influxdb.retention_policy'],
  ],
  v2: [
    ['bucket', 'influxdb.bucket'],
    ['org', 'influxdb.org'],
    ['orgID', 'influxdb.org_id'],
  ],
};

const EMPTY = Buffer.alloc(0);

type Query = Readonly<Record<string, string | string[] | undefined>>;

function param(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

function apiOf(req: FastifyRequest): Api {
  return req.url.startsWith('/api/v2/') ? 'v2' : 'v1';
}

/** Header values must be printable ASCII; messages quote client text. */
function headerSafe(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > 512 ? `${t.slice(0, 509)}...` : t;
}

export function renderInfluxError(req: FastifyRequest, reply: FastifyReply, e: ProtocolError): FastifyReply {
  if (e.retryAfterMs !== undefined) reply.header('retry-after', retryAfterHeader(e.retryAfterMs));
  reply.code(e.http).type('application/json; charset=utf-8');
  if (apiOf(req) === 'v2') return reply.send(JSON.stringify({ code: V2_CODES[e.http] ?? 'internal error', message: e.message }));
  reply.header('x-influxdb-error', headerSafe(e.message));
  return reply.send(JSON.stringify({ error: e.message }));
}

/**
 * Credentials for the authenticator. v2 clients send `Authorization: Token
 * <token>` and v1 clients Basic auth; both pass unchanged. v1 clients may
 * instead put `u` and `p` in the query: they are presented as the Basic
 * credentials they stand for, `Authorization: Basic base64(u:p)`, unless the
 * request has an Authorization header of its own.
 */
export function influxAuthHeaders(headers: AuthRequest['headers'], q: Query): AuthRequest['headers'] {
  const u = param(q, 'u');
  const p = param(q, 'p');
  if ((u === undefined && p === undefined) || headers.authorization !== undefined) return headers;
  return { ...headers, authorization: `Basic ${Buffer.from(`${u ?? ''}:${p ?? ''}`).toString('base64')}` };
}

function precisionOf(api: Api, q: Query): Precision {
  const p = param(q, 'precision');
  if (p === undefined || p === '') return 'ns';
  const table = api === 'v1' ? V1_PRECISIONS : V2_PRECISIONS;
  const out = table[p];
  if (out === undefined) {
    throw new TributaryError(Errors.INVALID_DATA, `precision "${p}" is not supported by this API; use one of: ${Object.keys(table).join(', ')}`);
  }
  return out;
}

function rejection(r: ParseResult): string {
  const more = r.badLines > r.errors.length ? `; and ${r.badLines - r.errors.length} more` : '';
  return `${r.badLines} of ${r.lines} lines are invalid, so none was written: ${r.errors.join('; ')}${more}`;
}

function batchOf(metrics: GaugeMetric[], api: Api, q: Query): MetricBatch {
  const keys: string[] = [];
  const values: string[] = [];
  for (const [name, attr] of RESOURCE_PARAMS[api]) {
    const v = param(q, name);
    if (v !== undefined && v !== '') {
      keys.push(attr);
      values.push(v);
    }
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: Attributes.of(keys, values), droppedAttributesCount: 0 },
        schemaUrl: '',
        // An empty scope, as the Collector's influxdb receiver leaves it.
        scopeMetrics: [{ scope: { name: '', version: '', attributes: Attributes.EMPTY, droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
      },
    ],
  };
}

export function createInfluxHttpServer(d: HttpReceiverDeps<InfluxdbReceiverConfig>): HttpServer {
  const c = d.config;
  const server = createReceiverHttpServer(d, renderInfluxError);
  const app = server.app;
  // parse() is synchronous, so one parser serves every request in turn.
  const parser = new LineProtocolParser();
  const dropped = { component: `receiver/${d.id}`, reason: 'influx_string_field' };

  app.addHook('onRequest', async (_req, reply) => {
    reply.header('x-influxdb-version', INFLUXDB_COMPAT_VERSION).header('x-influxdb-build', 'OSS');
  });

  const write = (api: Api) => async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Query;
    const authInfo = await authenticateHttp(d.auth(), req, influxAuthHeaders(req.headers, q));
    const limitKey = server.admitRequest(req, authInfo);
    const precision = precisionOf(api, q);
    const raw = Buffer.isBuffer(req.body) ? req.body : EMPTY;
    const body = await decompressBody(raw, req.headers['content-encoding'], c.max_request_body_size);
    const parsed = parser.parse(body.toString('utf8'), precision, Date.now());
    if (parsed.badLines > 0) throw new TributaryError(Errors.DECODE_TEXT, rejection(parsed));
    if (parsed.points > 0) {
      server.admitPoints(limitKey, parsed.points);
      const ctx = { client: httpClientInfo(req, c.include_metadata, authInfo), transport: 'http', receiver: d.id };
      await d.next.consume(batchOf(parsed.metrics, api, q), ctx);
    }
    if (parsed.stringFields > 0) {
      // Counted once the request is accepted: a refused request drops nothing, the client retries it whole.
      d.metrics.droppedPoints.inc(dropped, parsed.stringFields);
      reply.header('x-tributary-dropped-fields', `${parsed.stringFields} string field value(s): the metric model holds numbers only`);
    }
    return reply.code(204).send();
  };
  app.post('/write', write('v1'));
  app.post('/api/v2/write', write('v2'));

  // fastify answers HEAD for every GET route.
  app.get('/ping', async (req, reply) => {
    const verbose = param(req.query as Query, 'verbose');
    if (verbose !== undefined && verbose !== 'false') return reply.code(200).send({ version: INFLUXDB_COMPAT_VERSION });
    return reply.code(204).send();
  });

  app.get('/health', async (_req, reply) => {
    const ready = d.phase() !== 'draining';
    return reply.code(ready ? 200 : 503).send({
      name: 'influxdb',
      message: ready ? 'ready for queries and writes' : 'draining for shutdown',
      status: ready ? 'pass' : 'fail',
      checks: [],
      version: INFLUXDB_COMPAT_VERSION,
    });
  });

  // v1 clients (Telegraf, node-influx) create their database at startup; there is nothing to create here.
  const query = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Query;
    await authenticateHttp(d.auth(), req, influxAuthHeaders(req.headers, q));
    const form = Buffer.isBuffer(req.body) ? new URLSearchParams(req.body.toString('utf8')) : undefined;
    const text = param(q, 'q') ?? form?.get('q') ?? '';
    const statements = text.split(';').filter((s) => s.trim() !== '');
    if (statements.length === 0 || !statements.every((s) => /^\s*CREATE\s+DATABASE\s/i.test(s))) {
      throw new TributaryError(Errors.INVALID_DATA, 'this endpoint accepts writes only; of InfluxQL it answers CREATE DATABASE (as a no-op) and nothing else');
    }
    return reply.code(200).send({ results: statements.map((_, i) => ({ statement_id: i })) });
  };
  app.get('/query', query);
  app.post('/query', query);

  app.setNotFoundHandler(async (req, reply) => {
    const msg = `${req.method} ${req.url.split('?')[0]} is not an endpoint here; use POST /write, POST /api/v2/write, GET /ping or GET /health`;
    return reply.code(404).type('application/json; charset=utf-8').send(JSON.stringify(apiOf(req) === 'v2' ? { code: 'not found', message: msg } : { error: msg }));
  });
  return server;
}
