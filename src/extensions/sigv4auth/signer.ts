import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { OutgoingRequest } from '../../component/client-auth.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { ScopeResolver } from './infer.js';

/**
 * Signs one outgoing request with AWS Signature Version 4 (header form) and
 * returns only the headers to add: authorization, x-amz-date,
 * x-amz-content-sha256 (the body is always hashed: AMP and CloudWatch want a
 * signed payload) and, for temporary credentials, x-amz-security-token.
 *
 * Signed: host, every header the exporter set (content-type,
 * content-encoding, x-prometheus-remote-write-version...) except those the
 * AWS SDKs never sign because proxies may rewrite them (user-agent, expect,
 * x-amzn-trace-id, hop-by-hop headers), and the x-amz-* headers added here.
 * This is the set the Collector's sigv4auth (aws-sdk-go-v2) signs too.
 *
 * Per request: one header object and the request shell the signer needs;
 * the signing key is cached by @smithy/signature-v4 per day, region,
 * service and key.
 */
export class RequestSigner {
  private readonly sigv4: SignatureV4;

  constructor(
    credentials: () => Promise<AwsCredentialIdentity>,
    private readonly scopes: ScopeResolver,
  ) {
    // region and service are given per request (signingRegion, signingService); these are placeholders.
    this.sigv4 = new SignatureV4({ credentials, region: 'us-east-1', service: 'execute-api', sha256: Hash.bind(null, 'sha256'), applyChecksum: true });
  }

  async sign(req: OutgoingRequest, signingDate?: Date): Promise<Record<string, string>> {
    const url = req.url;
    const scope = this.scopes.resolve(url.hostname);
    if (typeof scope === 'string') throw new TributaryError(Errors.AUTH_SIGNING, scope);
    const headers: Record<string, string> = { ...req.headers };
    if (headers.host === undefined) headers.host = url.host;
    const signed = await this.sigv4.sign(
      {
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname,
        query: url.search === '' ? {} : queryOf(url),
        headers,
        body: req.body,
      },
      { signingRegion: scope.region, signingService: scope.service, signingDate },
    );
    const h = signed.headers;
    const out: Record<string, string> = {
      authorization: h.authorization,
      'x-amz-date': h['x-amz-date'],
      'x-amz-content-sha256': h['x-amz-content-sha256'],
    };
    const token = h['x-amz-security-token'];
    if (token !== undefined) out['x-amz-security-token'] = token;
    return out;
  }
}

function queryOf(url: URL): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = q[k];
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return q;
}
