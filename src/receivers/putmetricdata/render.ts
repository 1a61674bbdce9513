import { cbor } from '@smithy/core/cbor';
import type { FastifyReply } from 'fastify';
import { type AwsProtocolError, retryAfterHeader } from '../../errors/transport.js';

/**
 * Responses in each protocol's own shape, as CloudWatch sends them:
 *
 * - AWS Query: `PutMetricDataResponse` XML with the RequestId; errors as
 *   `ErrorResponse` XML with Type (Sender/Receiver), Code and Message.
 * - AWS JSON 1.0: `{}`; errors as `{"__type", "message"}`.
 * - RPC v2 CBOR: an empty map; errors as a map with `__type` and `message`,
 *   and the `smithy-protocol: rpc-v2-cbor` header the SDKs check for.
 *
 * CloudWatch is "awsQueryCompatible": JSON and CBOR errors also carry
 * `x-amzn-query-error: <Code>;<Type>`, from which the SDKs take the Query
 * code, so a client sees `InvalidParameterValue` whichever protocol it
 * speaks. Every response carries `x-amzn-RequestId`; retryable errors carry
 * `Retry-After`.
 */

export type Protocol = 'query' | 'json' | 'cbor';

export const XML_NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
export const CBOR_CONTENT_TYPE = 'application/cbor';

/** Shape ids of the errors PutMetricData models; other codes are sent as they are in Query. */
const MODELED: Readonly<Record<string, string>> = {
  InvalidParameterValue: 'com.amazonaws.cloudwatch#InvalidParameterValueException',
  MissingParameter: 'com.amazonaws.cloudwatch#MissingRequiredParameterException',
  InvalidParameterCombination: 'com.amazonaws.cloudwatch#InvalidParameterCombinationException',
};

const EMPTY_CBOR_MAP = Buffer.from([0xa0]);
const EMPTY_JSON_OBJECT = Buffer.from('{}');

/** Bodies go out as bytes: fastify would add "; charset=utf-8" to the content type of a string, which AWS does not send. */
function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

export function sendSuccess(reply: FastifyReply, protocol: Protocol, requestId: string): FastifyReply {
  reply.code(200).header('x-amzn-requestid', requestId);
  switch (protocol) {
    case 'query':
      return reply
        .type('text/xml')
        .send(utf8(`<PutMetricDataResponse xmlns="${XML_NAMESPACE}">\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</PutMetricDataResponse>\n`));
    case 'json':
      return reply.type(JSON_CONTENT_TYPE).send(EMPTY_JSON_OBJECT);
    case 'cbor':
      return reply.header('smithy-protocol', 'rpc-v2-cbor').type(CBOR_CONTENT_TYPE).send(EMPTY_CBOR_MAP);
  }
}

export function sendError(reply: FastifyReply, protocol: Protocol, requestId: string, e: AwsProtocolError): FastifyReply {
  reply.code(e.http).header('x-amzn-requestid', requestId);
  if (e.retryAfterMs !== undefined) reply.header('retry-after', retryAfterHeader(e.retryAfterMs));
  if (protocol === 'query') {
    return reply
      .type('text/xml')
      .send(
        utf8(`<ErrorResponse xmlns="${XML_NAMESPACE}">\n  <Error>\n    <Type>${e.fault}</Type>\n    <Code>${xmlEscape(e.code)}</Code>\n    <Message>${xmlEscape(e.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`),
      );
  }
  reply.header('x-amzn-query-error', `${e.code};${e.fault}`);
  const body = { __type: MODELED[e.code] ?? e.code, message: e.message };
  if (protocol === 'json') return reply.type(JSON_CONTENT_TYPE).send(utf8(JSON.stringify(body)));
  return reply.header('smithy-protocol', 'rpc-v2-cbor').type(CBOR_CONTENT_TYPE).send(Buffer.from(cbor.serialize(body)));
}

/** Escapes markup, and replaces characters XML 1.0 cannot carry (control characters from a client's values). */
function xmlEscape(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?').replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}
