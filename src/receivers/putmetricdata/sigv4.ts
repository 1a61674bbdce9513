import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsErrors } from './aws-errors.js';
import type { Credential } from './credential.js';
import { LIMITS } from './limits.js';

/**
 * Server-side AWS Signature Version 4 verification of a request signed in
 * its Authorization header, as the AWS front end verifies it: the
 * canonical request (method, normalised path, sorted query, the signed
 * headers with their values trimmed and spaces collapsed, the payload hash),
 * the string to sign over the credential scope, the signing key derived from
 * the secret. The signature is compared in constant time. Answers with the
 * codes and messages AWS uses (see the README's error table).
 *
 * Query-string (presigned) authentication is refused: no client of
 * PutMetricData uses it (they POST with an Authorization header).
 */

export const SERVICE = 'monitoring';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SIGNATURE = /^[0-9a-f]{64}$/;

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as on the request line. */
  readonly url: string;
  /** Header names and values as received, alternating (Node's rawHeaders). */
  readonly rawHeaders: readonly string[];
  /** The body as received (compressed if it was sent compressed). */
  readonly body: Buffer;
}

export interface VerifyOptions {
  readonly lookup: (accessKeyId: string) => Credential | undefined;
  /** When set, the credential scope must name this region. */
  readonly region?: string;
  /** The verifier's clock, in milliseconds since the epoch. */
  readonly nowMs: number;
}

interface AuthorizationHeader {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Returns the credential that signed the request; throws the AWS error otherwise. */
export function verifySigV4(req: SignedRequest, o: VerifyOptions): Credential {
  const authorization = header(req.rawHeaders, 'authorization');
  const queryAt = req.url.indexOf('?');
  const query = queryAt < 0 ? '' : req.url.slice(queryAt + 1);
  if (authorization === undefined) {
    if (/(?:^|&)X-Amz-(?:Signature|Credential)=/i.test(query)) {
      throw AwsErrors.incompleteSignature('Query-string (presigned) authentication is not accepted here; sign the Authorization header.');
    }
    throw AwsErrors.missingAuthenticationToken();
  }
  const auth = parseAuthorization(authorization);
  const amzDate = header(req.rawHeaders, 'x-amz-date');
  if (amzDate === undefined) throw AwsErrors.incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const m = AMZ_DATE.exec(amzDate);
  if (m === null) throw AwsErrors.incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);

  const credential = o.lookup(auth.accessKeyId);
  if (credential === undefined) throw AwsErrors.invalidClientTokenId();

  if (auth.date !== amzDate.slice(0, 8)) {
    throw AwsErrors.signatureDoesNotMatch(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  }
  if (o.region !== undefined && auth.region !== o.region) throw AwsErrors.signatureDoesNotMatch(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  if (auth.service !== SERVICE) throw AwsErrors.signatureDoesNotMatch(`Credential should be scoped to correct service: '${SERVICE}'.`);
  if (auth.terminator !== 'aws4_request') throw AwsErrors.signatureDoesNotMatch(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'.`);

  const signedAt = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (signedAt < o.nowMs - LIMITS.maxClockSkewMs) {
    throw AwsErrors.signatureDoesNotMatch(`Signature expired: ${amzDate} is now earlier than ${basicDate(o.nowMs - LIMITS.maxClockSkewMs)} (${basicDate(o.nowMs)} - 15 min.)`);
  }
  if (signedAt > o.nowMs + LIMITS.maxClockSkewMs) {
    throw AwsErrors.signatureDoesNotMatch(`Signature not yet current: ${amzDate} is still later than ${basicDate(o.nowMs + LIMITS.maxClockSkewMs)} (${basicDate(o.nowMs)} + 15 min.)`);
  }
  if (!auth.signedHeaders.includes('host')) throw AwsErrors.incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const declared = header(req.rawHeaders, 'x-amz-content-sha256');
  if (declared !== undefined && declared !== bodyHash) throw AwsErrors.signatureDoesNotMatch("The provided 'x-amz-content-sha256' header does not match what was computed.");

  const canonical = [
    req.method.toUpperCase(),
    canonicalPath(queryAt < 0 ? req.url : req.url.slice(0, queryAt)),
    canonicalQuery(query),
    canonicalHeaders(req.rawHeaders, auth.signedHeaders),
    auth.signedHeaders.join(';'),
    declared ?? bodyHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const expected = createHmac('sha256', credential.signingKey(auth.date, auth.region, auth.service)).update(stringToSign).digest();
  const given = HEX_SIGNATURE.test(auth.signature) ? Buffer.from(auth.signature, 'hex') : undefined;
  if (given === undefined || !timingSafeEqual(expected, given)) throw AwsErrors.signatureDoesNotMatch();
  return credential;
}

/** `AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>` */
function parseAuthorization(value: string): AuthorizationHeader {
  const v = value.trim();
  const sp = v.indexOf(' ');
  const algorithm = sp < 0 ? v : v.slice(0, sp);
  if (algorithm !== ALGORITHM) {
    throw AwsErrors.incompleteSignature(`Unsupported AWS 'algorithm': '${algorithm.length > 40 ? `${algorithm.slice(0, 37)}...` : algorithm}' (only ${ALGORITHM} is accepted).`);
  }
  const params = new Map<string, string>();
  for (const part of v.slice(sp + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((k) => !params.has(k));
  if (missing.length > 0) throw AwsErrors.incompleteSignature(missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' '));
  const credential = params.get('Credential')!;
  const parts = credential.split('/');
  if (parts.length !== 5) {
    throw AwsErrors.incompleteSignature(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  return {
    accessKeyId: parts[0],
    date: parts[1],
    region: parts[2],
    service: parts[3],
    terminator: parts[4],
    signedHeaders: params.get('SignedHeaders')!.split(';'),
    signature: params.get('Signature')!,
  };
}

/** The first value of a header (case-insensitive), from raw headers. */
function header(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === name.length && raw[i].toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/** `name:value\n` per signed header (all values of a repeated header joined by ","), then a blank line. */
function canonicalHeaders(raw: readonly string[], signed: readonly string[]): string {
  let out = '';
  for (const name of signed) {
    const values: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].toLowerCase() === name) values.push(raw[i + 1].replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, ''));
    }
    out += `${name}:${values.join(',')}\n`;
  }
  return out;
}

/** RFC 3986 path normalisation (no empty or dot segments), then each character outside the unreserved set percent-encoded once more. */
function canonicalPath(path: string): string {
  const segs: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  const normal = `${path.startsWith('/') ? '/' : ''}${segs.join('/')}${segs.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEscape(normal).replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (k.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([uriEscape(k), uriEscape(safeDecode(eq < 0 ? '' : part.slice(eq + 1)))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Percent-encodes everything but the RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~). */
function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function basicDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
