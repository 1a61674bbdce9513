import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { describe, expect, it } from 'vitest';
import { toAwsError } from '../../errors/transport.js';
import { decodeCbor } from './decode-cbor.js';
import { decodeJson } from './decode-json.js';
import { decodeQuery } from './decode-query.js';
import { decodeOperation, protocolOf } from './protocol.js';
import { readPutMetricData } from './request.js';

/** The three decoders, on bodies botocore produced (testdata) and on hand-made edge cases. */

const recorded = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'botocore-vectors.json'), 'utf8')) as {
  now: string;
  vectors: { name: string; url: string; headers: [string, string][]; body: string }[];
};

function code(fn: () => unknown): [string, number, string] {
  try {
    fn();
  } catch (err) {
    const e = toAwsError(err);
    return [e.code, e.http, e.message];
  }
  throw new Error('no error');
}

describe('the three protocols decode to the same request', () => {
  const decoded = recorded.vectors.map((v) => {
    const headers = Object.fromEntries(v.headers.map(([k, val]) => [k.toLowerCase(), val]));
    const path = new URL(v.url).pathname;
    let body = Buffer.from(v.body, 'base64');
    if (headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const protocol = protocolOf(path, headers);
    const input = decodeOperation(protocol, path, headers, body, '');
    const read = readPutMetricData(input, Date.parse(recorded.now));
    if (!read.ok) throw read.error;
    return { name: v.name, protocol, request: read.request };
  });

  it('detects each protocol from the request line and headers', () => {
    expect(decoded.map((d) => `${d.name.split(' ')[1]}:${d.protocol}`)).toEqual([
      'query:query', 'query:query', 'json:json', 'json:json', 'smithy-rpc-v2-cbor:cbor', 'smithy-rpc-v2-cbor:cbor',
    ]);
  });

  it('yields identical requests for the same call in Query, JSON and CBOR', () => {
    const small = decoded.filter((d) => d.name.endsWith('small')).map((d) => d.request);
    expect(small[1]).toEqual(small[0]);
    expect(small[2]).toEqual(small[0]);
    const big = decoded.filter((d) => d.name.endsWith('gzip')).map((d) => d.request);
    expect(big[1]).toEqual(big[0]);
    expect(big[2]).toEqual(big[0]);
    expect(big[0].datumCount).toBe(60);
  });

  it('reads every member botocore sent', () => {
    const [req] = decoded.filter((d) => d.name === 'botocore query small').map((d) => d.request);
    expect(req.namespace).toBe('Site/App');
    const [cpu, lat, st] = req.groups[0].data;
    expect(cpu).toMatchObject({ name: 'cpu', kind: 'value', value: 1.5, unit: 'Percent', dims: ['Host', 'a b/c'], timeMs: Date.parse('2026-03-01T11:59:00Z'), resolution: 60 });
    expect(lat).toMatchObject({ name: 'lat', kind: 'values', values: [1, 2.5], counts: [3, 1], resolution: 1, timeMs: undefined });
    expect(st).toMatchObject({ name: 'st', kind: 'stats', stats: [4, 10, 1, 4] });
  });
});

describe('AWS Query', () => {
  it('decodes lists in index order, closing gaps, and entry maps', () => {
    const q = decodeQuery(
      'Version=2010-08-01&Action=PutMetricData&Namespace=A%20B&MetricData.member.10.MetricName=b&MetricData.member.2.MetricName=a+x' +
        '&EntityMetricData.member.1.Entity.KeyAttributes.entry.2.key=Name&EntityMetricData.member.1.Entity.KeyAttributes.entry.2.value=svc' +
        '&EntityMetricData.member.1.Entity.KeyAttributes.entry.1.key=Type&EntityMetricData.member.1.Entity.KeyAttributes.entry.1.value=Service&&',
    );
    expect(q.action).toBe('PutMetricData');
    expect(q.version).toBe('2010-08-01');
    expect(JSON.parse(JSON.stringify(q.input))).toEqual({
      Namespace: 'A B',
      MetricData: [{ MetricName: 'a x' }, { MetricName: 'b' }],
      EntityMetricData: [{ Entity: { KeyAttributes: { Type: 'Service', Name: 'svc' } } }],
    });
  });

  it('ignores "__proto__" parameters: no prototype is touched', () => {
    const q = decodeQuery('__proto__.polluted=1&Namespace=x&MetricData.member.1.__proto__.polluted=1&X.entry.1.key=__proto__&X.entry.1.value=1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(q.input)).toBe(Object.prototype);
    expect(Object.getPrototypeOf((q.input.MetricData as object[])[0])).toBe(Object.prototype);
    expect(Object.getPrototypeOf(q.input.X)).toBe(Object.prototype);
    expect(q.input).toEqual({ Namespace: 'x', MetricData: [{}], X: {} });
  });

  it('refuses bad percent-encoding and absurd indexes with MalformedQueryString (404, as AWS)', () => {
    expect(code(() => decodeQuery('Namespace=%E0%A4%A'))).toEqual(['MalformedQueryString', 404, 'The query string contains a syntax error: "%E0%A4%A" is not valid percent-encoding.']);
    expect(code(() => decodeQuery('MetricData.member.0.MetricName=a'))[0]).toBe('MalformedQueryString');
    expect(code(() => decodeQuery('MetricData.member.1234567.MetricName=a'))[0]).toBe('MalformedQueryString');
  });

  it('checks Action and Version', () => {
    const h = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    const op = (body: string, query = ''): [string, number, string] => code(() => decodeOperation('query', '/', h, Buffer.from(body), query));
    expect(op('Namespace=x')).toEqual(['MissingAction', 400, expect.stringMatching(/^Could not find operation for request/)]);
    expect(op('Action=GetMetricData&Version=2010-08-01')).toEqual(['InvalidAction', 400, 'The action GetMetricData is not valid for this web service: this endpoint accepts PutMetricData only.']);
    expect(op('Action=PutMetricData')).toEqual(['MissingParameter', 400, 'The parameter Version is required.']);
    expect(op('Action=PutMetricData&Version=2009-01-01')).toEqual(['NoSuchVersion', 400, 'Could not find version 2009-01-01 for this service; use Version=2010-08-01.']);
    // Query parameters may also travel in the URL.
    expect(decodeOperation('query', '/', h, Buffer.from('Namespace=x'), 'Action=PutMetricData&Version=2010-08-01')).toEqual({ Namespace: 'x' });
  });
});

describe('AWS JSON 1.0 and RPC v2 CBOR', () => {
  const json = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' };
  const cborHeaders = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };
  const cborPath = '/service/GraniteServiceVersion20100801/operation/PutMetricData';

  it('decodes JSON, and refuses what is not a JSON object with SerializationException', () => {
    expect(decodeJson(Buffer.from('{"Namespace":"x"}'))).toEqual({ Namespace: 'x' });
    expect(decodeJson(Buffer.alloc(0))).toEqual({});
    expect(code(() => decodeJson(Buffer.from('{"Namespace":')))[0]).toBe('SerializationException');
    expect(code(() => decodeJson(Buffer.from('[1]')))).toEqual(['SerializationException', 400, 'The request body must be a JSON object (the PutMetricData input structure).']);
  });

  it('decodes CBOR with tag-1 timestamps and integers, and refuses garbage', () => {
    const body = Buffer.from(cbor.serialize({ Namespace: 'x', MetricData: [{ MetricName: 'm', Value: 3, Timestamp: dateToTag(new Date(1772366340000)) }] }));
    const doc = decodeCbor(body);
    const read = readPutMetricData(doc, 1772366400000);
    expect(read.ok && read.request.groups[0].data[0]).toMatchObject({ value: 3, timeMs: 1772366340000 });
    expect(code(() => decodeCbor(Buffer.from([0xbf, 0x61])))[0]).toBe('SerializationException');
    expect(code(() => decodeCbor(Buffer.from([0x83, 1, 2, 3])))[0]).toBe('SerializationException');
    // Nesting deeper than the stack is a malformed body, not a crash.
    expect(code(() => decodeCbor(Buffer.alloc(200_000, 0x81)))[0]).toBe('SerializationException');
  });

  it('routes by X-Amz-Target and path, with the codes AWS uses for unknown operations', () => {
    expect(protocolOf(cborPath, {})).toBe('cbor');
    expect(protocolOf('/prefix' + cborPath, {})).toBe('cbor');
    expect(protocolOf('/', json)).toBe('json');
    expect(protocolOf('/', {})).toBe('query');
    expect(code(() => decodeOperation('json', '/', { ...json, 'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData' }, Buffer.from('{}'), ''))).toEqual([
      'UnknownOperationException', 400, 'Operation GraniteServiceVersion20100801.GetMetricData is not supported: this endpoint accepts GraniteServiceVersion20100801.PutMetricData only.',
    ]);
    expect(code(() => decodeOperation('json', '/', { ...json, 'content-type': 'application/json' }, Buffer.from('{}'), ''))[0]).toBe('UnsupportedMediaType');
    expect(code(() => decodeOperation('cbor', '/service/GraniteServiceVersion20100801/operation/ListMetrics', cborHeaders, Buffer.alloc(0), ''))[0]).toBe('UnknownOperationException');
    expect(code(() => decodeOperation('cbor', cborPath, { 'content-type': 'application/cbor' }, Buffer.from([0xa0]), ''))[0]).toBe('UnsupportedMediaType');
    expect(decodeOperation('cbor', '/gw' + cborPath, cborHeaders, Buffer.from([0xa0]), '')).toEqual({});
    expect(code(() => decodeOperation('query', '/', { 'content-type': 'text/plain' }, Buffer.from('x'), ''))[0]).toBe('UnsupportedMediaType');
  });
});
