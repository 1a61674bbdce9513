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
 *
 * This is the hot path for the CloudWatch Agent (a request of 20 data with
 * 10 dimensions has about 640 parameters), so keys are walked in place:
 * known segment names resolve to constant strings and indexes are read as
 * numbers, without cutting the key into pieces; only values are sliced
 * (bench/putmetricdata.ts).
 */

export interface QueryRequest {
  readonly action: string | undefined;
  readonly version: string | undefined;
  /** The operation input, shaped like the AWS JSON 1.0 body. */
  readonly input: Record<string, unknown>;
}

/** Longest parameter path PutMetricData has is 9 segments (EntityMetricData.member.1.MetricData.member.1.Dimensions.member.1.Value). */
const MAX_SEGMENTS = 12;
const MAX_INDEX = 999_999;

/** Segment names of PutMetricData's input; anything else is cut out of the key as a new string. */
const KNOWN = [
  'MetricData', 'EntityMetricData', 'Namespace', 'StrictEntityValidation', 'MetricName', 'Dimensions', 'Name', 'Value',
  'Timestamp', 'Values', 'Counts', 'StatisticValues', 'SampleCount', 'Sum', 'Minimum', 'Maximum', 'Unit',
  'StorageResolution', 'Entity', 'KeyAttributes', 'Attributes', 'key', 'value',
];

const KNOWN_BY_LENGTH: (string[] | undefined)[] = [];
for (const k of KNOWN) (KNOWN_BY_LENGTH[k.length] ??= []).push(k);

/** A parameter subtree: named fields, and `member.<n>` / `entry.<n>` children by index. */
class QNode {
  readonly fields = new Map<string, QNode | string>();
  members: Map<number, QNode | string> | undefined;
  entries: Map<number, QNode | string> | undefined;
}

/** Parses form text (body, or URL query and body joined by "&"). Throws MalformedQueryString. */
export function decodeQuery(form: string): QueryRequest {
  const root = new QNode();
  let action: string | undefined;
  let version: string | undefined;
  // Where the next "%" or "+" is: parameters before it need no decoding (found with indexOf, which is fast, once each).
  let pct = -1;
  let plus = -1;
  let start = 0;
  while (start <= form.length) {
    let end = form.indexOf('&', start);
    if (end < 0) end = form.length;
    if (end > start) {
      let eq = form.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      if (pct !== -2 && pct < start) pct = orNone(form.indexOf('%', start));
      if (plus !== -2 && plus < start) plus = orNone(form.indexOf('+', start));
      const special = pct === -2 ? plus : plus === -2 ? pct : Math.min(pct, plus);
      const plain = special === -2 || special >= end;
      const value = eq === end ? '' : plain ? form.slice(eq + 1, end) : formDecode(form.slice(eq + 1, end));
      if (!plain && special < eq) {
        const key = formDecode(form.slice(start, eq));
        if (key === 'Action') action = value;
        else if (key === 'Version') version = value;
        else put(root, key, 0, key.length, value);
      } else if (eq - start === 6 && form.startsWith('Action', start)) action = value;
      else if (eq - start === 7 && form.startsWith('Version', start)) version = value;
      else put(root, form, start, eq, value);
    }
    start = end + 1;
  }
  return { action, version, input: toDocument(root) as Record<string, unknown> };
}

/** -2 for "not found", so that it compares as "no more ahead". */
function orNone(i: number): number {
  return i < 0 ? -2 : i;
}

function formDecode(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw AwsErrors.malformedQueryString(`The query string contains a syntax error: "${raw.length > 60 ? `${raw.slice(0, 57)}...` : raw}" is not valid percent-encoding.`);
  }
}

/** Stores `value` under the dotted key s[from, to). */
function put(root: QNode, s: string, from: number, to: number, value: string): void {
  let node = root;
  let p = from;
  for (let depth = 0; ; depth++) {
    if (depth === MAX_SEGMENTS) return; // not a parameter of this operation
    let dot = s.indexOf('.', p);
    if (dot < 0 || dot > to) dot = to;
    if (dot === p) return; // an empty segment: not a parameter of this operation
    const len = dot - p;
    let next: QNode | string | undefined;
    if ((len === 6 && s.startsWith('member', p)) || (len === 5 && s.startsWith('entry', p))) {
      const isMember = len === 6;
      if (dot === to) throw badIndex(s, from, to, isMember ? 'member' : 'entry');
      let end = s.indexOf('.', dot + 1);
      if (end < 0 || end > to) end = to;
      const index = readIndex(s, dot + 1, end);
      if (index === undefined) throw badIndex(s, from, to, isMember ? 'member' : 'entry');
      const map = isMember ? (node.members ??= new Map()) : (node.entries ??= new Map());
      next = map.get(index);
      if (end === to) {
        map.set(index, value);
        return;
      }
      if (next === undefined || typeof next === 'string') map.set(index, (next = new QNode()));
      p = end + 1;
    } else {
      const name = segmentName(s, p, dot);
      next = node.fields.get(name);
      if (dot === to) {
        node.fields.set(name, value);
        return;
      }
      if (next === undefined || typeof next === 'string') node.fields.set(name, (next = new QNode()));
      p = dot + 1;
    }
    node = next;
  }
}

function segmentName(s: string, from: number, to: number): string {
  const candidates = KNOWN_BY_LENGTH[to - from];
  if (candidates !== undefined) for (const k of candidates) if (s.startsWith(k, from)) return k;
  return s.slice(from, to);
}

/** A member index, 1 to MAX_INDEX without leading zeros. */
function readIndex(s: string, from: number, to: number): number | undefined {
  if (to <= from || to - from > 6 || s.charCodeAt(from) === 0x30) return undefined;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n <= MAX_INDEX ? n : undefined;
}

function badIndex(s: string, from: number, to: number, what: string): Error {
  return AwsErrors.malformedQueryString(`The parameter name ${s.slice(from, to)} has an invalid index after "${what}" (expected 1 to ${MAX_INDEX}).`);
}

/**
 * QNode -> document: a node with members only is a list (in index order), one
 * with entries only a map of entry key to entry value; otherwise an object.
 */
function toDocument(t: QNode | string): unknown {
  if (typeof t === 'string') return t;
  if (t.members !== undefined && t.fields.size === 0 && t.entries === undefined) return sortedValues(t.members).map(toDocument);
  // Plain objects (the validator reads own properties only, so a "__proto__" parameter cannot reach a prototype).
  const o: Record<string, unknown> = {};
  if (t.entries !== undefined && t.fields.size === 0 && t.members === undefined) {
    for (const e of sortedValues(t.entries)) {
      if (typeof e === 'string') continue;
      const k = e.fields.get('key');
      const v = e.fields.get('value');
      if (typeof k === 'string' && k !== '__proto__') o[k] = typeof v === 'string' ? v : undefined;
    }
    return o;
  }
  for (const [k, v] of t.fields) if (k !== '__proto__') o[k] = toDocument(v);
  return o;
}

function sortedValues<V>(m: Map<number, V>): V[] {
  const keys = [...m.keys()];
  // Usually already in order (1, 2, 3...): sort only when not.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys.sort((a, b) => a - b);
      break;
    }
  }
  return keys.map((k) => m.get(k)!);
}
