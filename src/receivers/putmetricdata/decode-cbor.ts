import { cbor } from '@smithy/core/cbor';
import { AwsErrors } from './aws-errors.js';

/**
 * Smithy RPC v2 CBOR decoding with the AWS SDK's own CBOR codec (the one
 * the JavaScript SDK uses for this protocol), so that whatever the SDKs
 * encode decodes here the same way. Timestamps arrive as tag 1 (epoch
 * seconds), which the codec returns as `{tag: 1, value}`; integers beyond
 * 2^53 come back as bigint. An empty body is an empty input.
 */
export function decodeCbor(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let doc: unknown;
  try {
    doc = cbor.deserialize(body);
  } catch (err) {
    // A RangeError (nesting deeper than the stack) is a malformed body too.
    throw AwsErrors.serialization(`The request body is not valid CBOR: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw AwsErrors.serialization('The request body must be a CBOR map (the PutMetricData input structure).');
  }
  return doc as Record<string, unknown>;
}
