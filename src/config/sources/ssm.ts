import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfigSourceError } from '../config-error.js';
import { awsSourceSettings, describeAwsError, describeCommonAwsError } from './aws.js';
import { type ConfigSource, type SourceEnv, sourceTimeoutMs } from './source.js';

/**
 * `ssm:<parameter-name>`: the config is the value of a Systems Manager
 * Parameter Store parameter (String or SecureString, read with
 * WithDecryption as the CloudWatch Agent reads its `ssm:` configs). The
 * name may be a path (`ssm:/tributary/gateway`), a plain name or an ARN.
 */
export function ssmSource(env: SourceEnv): ConfigSource {
  return {
    handles: (uri) => uri.startsWith('ssm:'),
    read: async (uri) => {
      const name = uri.slice('ssm:'.length);
      if (name === '') throw new ConfigSourceError(`--config ${uri}: expected ssm:<parameter-name>, such as ssm:/tributary/config`);
      const timeoutMs = sourceTimeoutMs(env);
      const settings = awsSourceSettings(env, 'SSM', timeoutMs);
      const client = new SSMClient(settings);
      try {
        const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal: AbortSignal.timeout(timeoutMs) });
        const value = out.Parameter?.Value;
        if (value === undefined) throw new ConfigSourceError(`--config ${uri}: the parameter has no value`);
        return value;
      } catch (err) {
        if (err instanceof ConfigSourceError) throw err;
        throw new ConfigSourceError(`--config ${uri}: ${describeSsmError(err, timeoutMs, settings.endpoint)}`, err);
      } finally {
        client.destroy();
      }
    },
  };
}

function describeSsmError(err: unknown, timeoutMs: number, endpoint: string | undefined): string {
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'ParameterNotFound') return 'parameter not found (ParameterNotFound)';
  if (name === 'ParameterVersionNotFound') return 'parameter version not found (ParameterVersionNotFound)';
  if (name === 'InvalidKeyId') return `the KMS key of the SecureString cannot be used (InvalidKeyId): ${(err as Error).message}`;
  return describeCommonAwsError(err, timeoutMs, endpoint) ?? describeAwsError(err);
}
