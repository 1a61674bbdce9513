import { type ErrorDef, Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';

/**
 * The AWS errors this receiver raises, by their Query code. Each is a
 * TributaryError (catalogue entry for counting and logs) with the AWS code
 * attached; errors/transport.ts turns the code into the HTTP status AWS uses,
 * and render.ts into each protocol's error shape. Messages follow the wording
 * CloudWatch and the SigV4 front end use, so that clients and people reading
 * them see what they would see from AWS.
 */

function aws(def: ErrorDef, apiCode: string, message: string): TributaryError {
  return new TributaryError(def, message, { apiCode });
}

export const AwsErrors = {
  missingAuthenticationToken: (detail?: string) =>
    aws(Errors.UNAUTHENTICATED, 'MissingAuthenticationToken', detail === undefined ? 'Request is missing Authentication Token' : `Request is missing Authentication Token: ${detail}`),
  incompleteSignature: (message: string) => aws(Errors.UNAUTHENTICATED, 'IncompleteSignature', message),
  invalidClientTokenId: () => aws(Errors.UNAUTHENTICATED, 'InvalidClientTokenId', 'The security token included in the request is invalid.'),
  signatureDoesNotMatch: (message = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.') =>
    aws(Errors.UNAUTHENTICATED, 'SignatureDoesNotMatch', message),

  invalidParameterValue: (message: string) => aws(Errors.INVALID_DATA, 'InvalidParameterValue', message),
  missingParameter: (message: string) => aws(Errors.INVALID_DATA, 'MissingParameter', message),
  invalidParameterCombination: (message: string) => aws(Errors.INVALID_DATA, 'InvalidParameterCombination', message),

  invalidAction: (message: string) => aws(Errors.INVALID_DATA, 'InvalidAction', message),
  missingAction: () => aws(Errors.INVALID_DATA, 'MissingAction', 'Could not find operation for request: send Action=PutMetricData (AWS Query), X-Amz-Target: GraniteServiceVersion20100801.PutMetricData (AWS JSON 1.0) or POST /service/GraniteServiceVersion20100801/operation/PutMetricData (RPC v2 CBOR).'),
  noSuchVersion: (version: string) => aws(Errors.INVALID_DATA, 'NoSuchVersion', `Could not find version ${version} for this service; use Version=2010-08-01.`),
  unknownOperation: (message: string) => aws(Errors.INVALID_DATA, 'UnknownOperationException', message),
  malformedQueryString: (message: string) => aws(Errors.DECODE_TEXT, 'MalformedQueryString', message),
  serialization: (message: string) => aws(Errors.DECODE_JSON, 'SerializationException', message),
  requestTooLarge: (size: number, limit: number) => aws(Errors.BODY_TOO_LARGE, 'RequestEntityTooLarge', `Request size ${size} exceeded ${limit} bytes`),
  unsupportedMediaType: (message: string) => aws(Errors.MEDIA_TYPE, 'UnsupportedMediaType', message),
} as const;

/**
 * Validation problems are collected, not thrown one by one: CloudWatch
 * answers with every problem of the request, one per line, under the code of
 * the first. Bounded so that a request with 1,000 bad data cannot produce a
 * megabyte of error text.
 */
export class Problems {
  private readonly lines: string[] = [];
  private code: 'InvalidParameterValue' | 'MissingParameter' | 'InvalidParameterCombination' | undefined;
  private more = 0;

  constructor(private readonly max = 20) {}

  get empty(): boolean {
    return this.code === undefined;
  }

  invalid(message: string): void {
    this.add('InvalidParameterValue', message);
  }

  /** `alternatives`: other members any one of which would have done instead. */
  missing(path: string, alternatives: readonly string[] = []): void {
    const or = alternatives.length === 0 ? '' : ` (or ${alternatives.join(', or ')})`;
    this.add('MissingParameter', `The parameter ${path} is required${or}.`);
  }

  combination(message: string): void {
    this.add('InvalidParameterCombination', message);
  }

  /** The error to answer with, or undefined when there was no problem. */
  toError(): TributaryError | undefined {
    if (this.code === undefined) return undefined;
    const text = this.more > 0 ? `${this.lines.join('\n')}\n(and ${this.more} more problems)` : this.lines.join('\n');
    if (this.code === 'MissingParameter') return AwsErrors.missingParameter(text);
    if (this.code === 'InvalidParameterCombination') return AwsErrors.invalidParameterCombination(text);
    return AwsErrors.invalidParameterValue(text);
  }

  private add(code: 'InvalidParameterValue' | 'MissingParameter' | 'InvalidParameterCombination', message: string): void {
    this.code ??= code;
    if (this.lines.length < this.max) this.lines.push(message);
    else this.more++;
  }
}
