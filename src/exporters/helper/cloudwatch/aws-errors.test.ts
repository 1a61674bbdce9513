import { describe, expect, it } from 'vitest';
import { Errors } from '../../../errors/catalogue.js';
import { TributaryError } from '../../../errors/tributary-error.js';
import { classifyAwsError } from './aws-errors.js';

const sdkError = (name: string, status: number | undefined, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: status === undefined ? {} : { httpStatusCode: status }, ...extra });

describe('AWS SDK errors: retry or give up', () => {
  it.each([
    [sdkError('Throttling', 400), 'retry', 'throttled'],
    [sdkError('ThrottlingException', 400), 'retry', 'throttled'],
    [sdkError('TooManyRequestsException', 429), 'retry', 'throttled'],
    [sdkError('ServiceUnavailable', 503), 'retry', 'http_503'],
    [sdkError('InternalFailure', 500), 'retry', 'http_500'],
    [sdkError('SignatureDoesNotMatch', 403, { message: 'Signature expired: 20260101T000000Z is now earlier than ...' }), 'retry', 'clock_skew'],
    [sdkError('RequestTimeTooSkewed', 403), 'retry', 'clock_skew'],
    [sdkError('TimeoutError', undefined), 'retry', 'timeout'],
    [sdkError('Error', undefined, { code: 'ECONNREFUSED' }), 'retry', 'network'],
    [sdkError('CredentialsProviderError', undefined), 'retry', 'credentials'],
    [new TributaryError(Errors.AUTH_CREDENTIALS, 'STS unreachable'), 'retry', 'credentials'],
    [sdkError('SignatureDoesNotMatch', 403), 'permanent', 'SignatureDoesNotMatch'],
    [sdkError('InvalidClientTokenId', 403), 'permanent', 'InvalidClientTokenId'],
    [sdkError('AccessDeniedException', 400), 'permanent', 'AccessDeniedException'],
    [sdkError('InvalidParameterValueException', 400, { Code: 'InvalidParameterValue' }), 'permanent', 'InvalidParameterValue'],
    [sdkError('SyntaxError', 403, { $response: { body: Buffer.from('<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>') } }), 'permanent', 'AccessDenied'],
  ])('%s -> %s (%s)', (err, kind, reason) => {
    expect(classifyAwsError(err)).toMatchObject({ kind, reason });
  });

  it('keeps AWS\'s code, status and message in the detail', () => {
    expect(classifyAwsError(sdkError('InvalidClientTokenId', 403, { message: 'The security token included in the request is invalid.' })).detail).toBe(
      'InvalidClientTokenId (HTTP 403): The security token included in the request is invalid.',
    );
  });
});
