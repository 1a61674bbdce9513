import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigSourceError } from '../config-error.js';
import { awsSourceSettings, describeAwsError, describeCommonAwsError } from './aws.js';
import { type ConfigSource, MAX_CONFIG_BYTES, type SourceEnv, sourceTimeoutMs } from './source.js';

/**
 * `s3://bucket/key`: the config is an S3 object (GetObject). With an
 * endpoint override (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: MinIO, moto,
 * a VPC interface endpoint) requests are path-style, which such endpoints
 * expect; otherwise the SDK's virtual-hosted style.
 */
export function s3Source(env: SourceEnv): ConfigSource {
  return {
    handles: (uri) => uri.startsWith('s3://'),
    read: async (uri) => {
      const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
      if (m === null) throw new ConfigSourceError(`--config ${uri}: expected s3://<bucket>/<key>`);
      const [, bucket, key] = m;
      const timeoutMs = sourceTimeoutMs(env);
      const settings = awsSourceSettings(env, 'S3', timeoutMs);
      // followRegionRedirects: a bucket in another region than AWS_REGION is still read (S3 answers 301 with its region).
      const client = new S3Client({ ...settings, forcePathStyle: settings.endpoint !== undefined, followRegionRedirects: true });
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: AbortSignal.timeout(timeoutMs) });
        if (out.ContentLength !== undefined && out.ContentLength > MAX_CONFIG_BYTES) {
          (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
          throw new ConfigSourceError(`--config ${uri}: the object is ${out.ContentLength} bytes; a config may be at most ${MAX_CONFIG_BYTES}`);
        }
        if (out.Body === undefined) return '';
        return await out.Body.transformToString('utf8');
      } catch (err) {
        if (err instanceof ConfigSourceError) throw err;
        throw new ConfigSourceError(`--config ${uri}: ${describeS3Error(err, bucket, key, timeoutMs, settings.endpoint)}`, err);
      } finally {
        client.destroy();
      }
    },
  };
}

function describeS3Error(err: unknown, bucket: string, key: string, timeoutMs: number, endpoint: string | undefined): string {
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'NoSuchBucket') return `bucket "${bucket}" does not exist (NoSuchBucket)`;
  if (name === 'NoSuchKey') return `no object "${key}" in bucket "${bucket}" (NoSuchKey)`;
  return describeCommonAwsError(err, timeoutMs, endpoint) ?? describeAwsError(err);
}
