import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Signs a raw HTTP request with SigV4 as the AWS SDK for JavaScript does
 * (its own signer, @smithy/signature-v4), for tests and benchmarks that send
 * hand-made requests to a SigV4-verifying endpoint.
 */
export interface AwsSignOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region?: string;
  readonly service?: string;
  readonly date?: Date;
}

/** Returns the headers to send: the given ones plus host, x-amz-date and authorization. */
export async function signAwsRequest(o: AwsSignOptions): Promise<Record<string, string>> {
  const u = new URL(o.url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    region: o.region ?? 'us-east-1',
    service: o.service ?? 'monitoring',
    sha256: Hash.bind(null, 'sha256'),
  });
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  const signed = await signer.sign(
    { method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname, query, headers: { ...o.headers, host: u.host }, body: o.body },
    { signingDate: o.date ?? new Date() },
  );
  return signed.headers as Record<string, string>;
}
