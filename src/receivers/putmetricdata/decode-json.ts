import { AwsErrors } from './aws-errors.js';

/**
 * AWS JSON 1.0 decoding: the body is the operation input as a JSON object
 * (timestamps as epoch seconds, non-finite doubles as the strings "NaN",
 * "Infinity", "-Infinity"). An empty body is an empty input, as in the
 * protocol's tests.
 */
export function decodeJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw AwsErrors.serialization(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw AwsErrors.serialization('The request body must be a JSON object (the PutMetricData input structure).');
  }
  return doc as Record<string, unknown>;
}
