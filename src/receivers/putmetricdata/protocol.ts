import { AwsErrors } from './aws-errors.js';
import { decodeCbor } from './decode-cbor.js';
import { decodeJson } from './decode-json.js';
import { decodeQuery } from './decode-query.js';
import { CBOR_CONTENT_TYPE, JSON_CONTENT_TYPE, type Protocol } from './render.js';

/**
 * Which of CloudWatch's three protocols a request speaks, and its operation
 * input. What the clients send (observed, see the README):
 *
 * - AWS Query (the CloudWatch Agent, aws-sdk-go v1, botocore with the query
 *   protocol): `POST /`, `Content-Type: application/x-www-form-urlencoded`,
 *   `Action=PutMetricData&Version=2010-08-01&...`, often gzip-compressed.
 * - AWS JSON 1.0 (the AWS CLI 1.45 / botocore 1.43 and @aws-sdk/client-cloudwatch
 *   3.11xx by default): `POST /`, `X-Amz-Target:
 *   GraniteServiceVersion20100801.PutMetricData`, `Content-Type:
 *   application/x-amz-json-1.0`, `x-amzn-query-mode: true`.
 * - Smithy RPC v2 CBOR (botocore's first choice in the service model, the JS
 *   SDK when configured for it): `POST
 *   /service/GraniteServiceVersion20100801/operation/PutMetricData`,
 *   `smithy-protocol: rpc-v2-cbor`, `Content-Type: application/cbor`.
 */

export const SERVICE_TARGET = 'GraniteServiceVersion20100801';
export const OPERATION = 'PutMetricData';
export const API_VERSION = '2010-08-01';
/** The RPC v2 CBOR operation path, matched at the end so that a path prefix (a proxy's) is allowed. */
const CBOR_PATH = /\/service\/([^/]+)\/operation\/([^/]+)$/;

/** Decides the protocol from the request line and headers alone, so that even an early error is answered in the client's protocol. */
export function protocolOf(path: string, headers: Readonly<Record<string, string | string[] | undefined>>): Protocol {
  if (first(headers['smithy-protocol']) !== undefined || CBOR_PATH.test(path)) return 'cbor';
  if (first(headers['x-amz-target']) !== undefined || mediaType(headers['content-type']).startsWith('application/x-amz-json')) return 'json';
  return 'query';
}

/**
 * Checks that the request is a PutMetricData call in its protocol and
 * decodes its input. `body` is decompressed; `urlQuery` is the raw query
 * string (Query parameters may also travel there).
 */
export function decodeOperation(protocol: Protocol, path: string, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer, urlQuery: string): Record<string, unknown> {
  const type = mediaType(headers['content-type']);
  switch (protocol) {
    case 'cbor': {
      const op = CBOR_PATH.exec(path);
      if (op === null || op[1] !== SERVICE_TARGET || op[2] !== OPERATION) {
        throw AwsErrors.unknownOperation(`${path} is not an operation of this endpoint: it accepts POST /service/${SERVICE_TARGET}/operation/${OPERATION} only.`);
      }
      if (first(headers['smithy-protocol']) !== 'rpc-v2-cbor') throw AwsErrors.unsupportedMediaType('RPC v2 CBOR requests must carry the header smithy-protocol: rpc-v2-cbor.');
      if (body.length > 0 && type !== CBOR_CONTENT_TYPE) throw AwsErrors.unsupportedMediaType(`Content-Type "${type}" is not supported here; RPC v2 CBOR requests use ${CBOR_CONTENT_TYPE}.`);
      return decodeCbor(body);
    }
    case 'json': {
      const target = first(headers['x-amz-target']);
      if (target !== `${SERVICE_TARGET}.${OPERATION}`) {
        throw AwsErrors.unknownOperation(`${target === undefined ? 'A request without X-Amz-Target' : `Operation ${target}`} is not supported: this endpoint accepts ${SERVICE_TARGET}.${OPERATION} only.`);
      }
      if (type !== JSON_CONTENT_TYPE) throw AwsErrors.unsupportedMediaType(`Content-Type "${type}" is not supported here; AWS JSON requests use ${JSON_CONTENT_TYPE}.`);
      return decodeJson(body);
    }
    case 'query': {
      if (body.length > 0 && type !== 'application/x-www-form-urlencoded') {
        throw AwsErrors.unsupportedMediaType(
          `Content-Type "${type}" is not supported: send AWS Query (application/x-www-form-urlencoded), AWS JSON 1.0 (${JSON_CONTENT_TYPE} with X-Amz-Target) or RPC v2 CBOR (${CBOR_CONTENT_TYPE}).`,
        );
      }
      const form = urlQuery === '' ? body.toString('utf8') : body.length === 0 ? urlQuery : `${urlQuery}&${body.toString('utf8')}`;
      const q = decodeQuery(form);
      if (q.action === undefined || q.action === '') throw AwsErrors.missingAction();
      if (q.action !== OPERATION) throw AwsErrors.invalidAction(`The action ${q.action} is not valid for this web service: this endpoint accepts ${OPERATION} only.`);
      if (q.version === undefined) throw AwsErrors.missingParameter('The parameter Version is required.');
      if (q.version !== API_VERSION) throw AwsErrors.noSuchVersion(q.version);
      return q.input;
    }
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function mediaType(v: string | string[] | undefined): string {
  return (first(v) ?? '').split(';')[0].trim().toLowerCase();
}
