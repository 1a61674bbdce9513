import { AwsErrors } from './aws-errors.js';

/**
 * AWS Query decoding: an `application/x-www-form-urlencoded` body of
 * flattened parameters (`Action=PutMetricData&Version=2010-08-01&Namespace=..
 * &MetricData.member.1.Dimensions.member.2.Name=..`) becomes the same nested
 * document the JSON and CBOR decoders produce, so one validator reads all
 * three. Lists are `<name>.member.<n>` (n from 1, in index order; gaps are
 * closed up as the Query protocol does), maps are `<name>.entry.<n>.key` /
 * `.value`. Every leaf stays a string: the validator converts it to the type
 * the model gives the member. Unknown parameters are kept and ignored later,
 * as AWS ignores parameters an operation does not have.
 */

export interface QueryRequest {
  readonly action: string | undefined;
  readonly version: string | undefined;
  /** The operation input, shaped like the AWS JSON 1.0 body. */
  readonly input: Record<string, unknown>;
}

/** Longest parameter path PutMetricData has is 9 segments (EntityMetricData.member.1.MetricData.member.1.Dimensions.member.1.Value). */
const MAX_SEGMENTS = 12;
/** Member indexes are bounded so that "member.99999999999" is refused rather than honoured. */
const INDEX = /^[1-9]\d{0,5}$/;

/** Parses form text (body, or body and URL query joined by "&"). Throws MalformedQueryString. */
export function decodeQuery(form: string): QueryRequest {
  const root: Tree = new Map();
  let action: string | undefined;
  let version: string | undefined;
  let start = 0;
  while (start <= form.length) {
    let end = form.indexOf('&', start);
    if (end < 0) end = form.length;
    if (end > start) {
      const part = form.slice(start, end);
      const eq = part.indexOf('=');
      const key = formDecode(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? '' : formDecode(part.slice(eq + 1));
      if (key === 'Action') action = value;
      else if (key === 'Version') version = value;
      else put(root, key, value);
    }
    start = end + 1;
  }
  return { action, version, input: toDocument(root) as Record<string, unknown> };
}

type Tree = Map<string, Tree | string>;

function formDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw AwsErrors.malformedQueryString(`The query string contains a syntax error: "${s.length > 60 ? `${s.slice(0, 57)}...` : s}" is not valid percent-encoding.`);
  }
}

function put(root: Tree, key: string, value: string): void {
  const segs = key.split('.');
  if (segs.length > MAX_SEGMENTS || segs.some((s) => s === '')) return; // not a parameter of this operation
  let node = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const s = segs[i];
    if ((s === 'member' || s === 'entry') && !INDEX.test(segs[i + 1])) {
      throw AwsErrors.malformedQueryString(`The parameter name ${key} has an invalid index after "${s}" (expected 1 to 999999).`);
    }
    let next = node.get(s);
    if (next === undefined || typeof next === 'string') {
      next = new Map();
      node.set(s, next);
    }
    node = next;
  }
  node.set(segs[segs.length - 1], value);
}

/** Tree -> document: `member` maps become arrays, `entry` maps become objects, the rest objects with own keys only. */
function toDocument(t: Tree | string): unknown {
  if (typeof t === 'string') return t;
  const members = t.get('member');
  if (members !== undefined && typeof members !== 'string' && t.size === 1) {
    return [...members.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => toDocument(v));
  }
  const entries = t.get('entry');
  if (entries !== undefined && typeof entries !== 'string' && t.size === 1) {
    const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const sorted = [...entries.entries()].sort((a, b) => Number(a[0]) - Number(b[0]));
    for (const [, e] of sorted) {
      if (typeof e === 'string') continue;
      const k = e.get('key');
      const v = e.get('value');
      if (typeof k === 'string') o[k] = typeof v === 'string' ? v : undefined;
    }
    return o;
  }
  const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of t) o[k] = toDocument(v);
  return o;
}
