import { readFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandler, HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/protocol-http';
import type { NodeHttpHandlerOptions } from '@smithy/types';

/**
 * How the extension reaches AWS from a closed network: through the proxy in
 * HTTPS_PROXY / HTTP_PROXY unless NO_PROXY names the host (the conventions of
 * curl and Go's net/http, which the AWS CLI and the Collector follow), and
 * trusting an extra CA bundle (ca_file, else AWS_CA_BUNDLE) besides Node's
 * own roots, for TLS-inspecting proxies and private endpoints.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** First set of several spellings (upper case first, as Go reads them). */
function envOf(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return undefined;
}

export interface ProxySettings {
  readonly httpsProxy?: string;
  readonly httpProxy?: string;
  readonly noProxy: NoProxy;
}

export function proxySettings(env: Env): ProxySettings {
  return {
    httpsProxy: envOf(env, 'HTTPS_PROXY', 'https_proxy'),
    httpProxy: envOf(env, 'HTTP_PROXY', 'http_proxy'),
    noProxy: new NoProxy(envOf(env, 'NO_PROXY', 'no_proxy') ?? ''),
  };
}

/**
 * NO_PROXY: comma- or space-separated entries. "*" matches every host; a
 * name matches itself and its subdomains (a leading "." or "*." is the
 * same); an IP matches itself; a.b.c.d/n matches an IPv4 range; ":port"
 * restricts an entry to that port.
 */
export class NoProxy {
  private readonly all: boolean;
  private readonly entries: readonly { host: string; port?: number; cidr?: { net: number; mask: number } }[];

  constructor(spec: string) {
    const parts = spec.split(/[\s,]+/).filter((p) => p !== '');
    this.all = parts.includes('*');
    this.entries = parts.filter((p) => p !== '*').map((p) => {
      let s = p.toLowerCase();
      let port: number | undefined;
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
      const withPort = bracketed === null && isIP(s) !== 6 ? /^(.*):(\d+)$/.exec(s) : null;
      const m = bracketed ?? withPort;
      if (m !== null) {
        s = m[1];
        port = m[2] === undefined ? undefined : Number(m[2]);
      }
      s = s.replace(/^\*?\./, '');
      const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(s);
      if (cidr !== null && isIP(cidr[1]) === 4) {
        const bits = Number(cidr[2]);
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        return { host: s, port, cidr: { net: (ipv4(cidr[1]) & mask) >>> 0, mask } };
      }
      return { host: s, port };
    });
  }

  /** True when requests to host:port go direct. */
  bypass(hostname: string, port: number): boolean {
    if (this.all) return true;
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    const v4 = isIP(host) === 4 ? ipv4(host) : undefined;
    for (const e of this.entries) {
      if (e.port !== undefined && e.port !== port) continue;
      if (e.cidr !== undefined) {
        if (v4 !== undefined && ((v4 & e.cidr.mask) >>> 0) === e.cidr.net) return true;
        continue;
      }
      if (host === e.host || (isIP(host) === 0 && host.endsWith(`.${e.host}`))) return true;
    }
    return false;
  }
}

function ipv4(s: string): number {
  return s.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

/**
 * The CA certificates to trust: Node's roots plus the PEM bundle, or
 * undefined (Node's defaults) when there is no bundle. Throws when the file
 * cannot be read or holds no certificate.
 */
export function loadCaBundle(path: string | undefined): string[] | undefined {
  if (path === undefined) return undefined;
  const pem = readFileSync(path, 'utf8');
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (certs === null) throw new Error(`${path} holds no PEM certificate`);
  return [...rootCertificates, ...certs];
}

/** HttpsProxyAgent that also applies the CA list to the TLS session with the target, inside the tunnel. */
type ConnectOpts = Parameters<HttpsProxyAgent<string>['connect']>[1];

class TrustingProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    private readonly ca: string[] | undefined,
  ) {
    super(proxy, { keepAlive: true, ...(ca === undefined ? {} : { ca }) });
  }

  override connect(req: ClientRequest, opts: ConnectOpts) {
    return super.connect(req, this.ca === undefined || !opts.secureEndpoint ? opts : { ...opts, ca: this.ca });
  }
}

const TIMEOUTS: NodeHttpHandlerOptions = { connectionTimeout: 5_000, requestTimeout: 15_000, throwOnRequestTimeout: true };

/**
 * The HTTP handler for the SDK clients the extension runs (STS): one Node
 * handler per route (direct, via the HTTPS proxy, via the HTTP proxy),
 * chosen per request from its scheme, host and port.
 */
export class AwsRequestHandler implements HttpHandler<NodeHttpHandlerOptions> {
  private readonly direct: NodeHttpHandler;
  private readonly viaHttpsProxy: NodeHttpHandler | undefined;
  private readonly viaHttpProxy: NodeHttpHandler | undefined;
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(
    private readonly proxy: ProxySettings,
    ca: string[] | undefined,
  ) {
    this.direct = new NodeHttpHandler({ ...TIMEOUTS, ...(ca === undefined ? {} : { httpsAgent: { keepAlive: true, ca } }) });
    const proxied = (url: string): NodeHttpHandler => {
      const agent = new TrustingProxyAgent(url, ca);
      return new NodeHttpHandler({ ...TIMEOUTS, httpAgent: agent, httpsAgent: agent });
    };
    this.viaHttpsProxy = proxy.httpsProxy === undefined ? undefined : proxied(proxy.httpsProxy);
    this.viaHttpProxy = proxy.httpProxy === undefined ? undefined : proxied(proxy.httpProxy);
  }

  /** Which route a request to this URL takes: "direct" or the proxy URL. */
  routeFor(url: URL): string {
    const h = this.pick(url.protocol, url.hostname, url.port === '' ? undefined : Number(url.port));
    return h === this.direct ? 'direct' : h === this.viaHttpsProxy ? this.proxy.httpsProxy! : this.proxy.httpProxy!;
  }

  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    return this.pick(request.protocol, request.hostname, request.port).handle(request, options);
  }

  updateHttpClientConfig(key: keyof NodeHttpHandlerOptions, value: NodeHttpHandlerOptions[typeof key]): void {
    for (const h of this.handlers()) h.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return this.direct.httpHandlerConfigs();
  }

  destroy(): void {
    for (const h of this.handlers()) h.destroy();
  }

  private handlers(): NodeHttpHandler[] {
    return [this.direct, this.viaHttpsProxy, this.viaHttpProxy].filter((h): h is NodeHttpHandler => h !== undefined);
  }

  private pick(protocol: string, hostname: string, port: number | undefined): NodeHttpHandler {
    const https = protocol === 'https:' || protocol === 'https';
    const viaProxy = https ? this.viaHttpsProxy : this.viaHttpProxy;
    if (viaProxy === undefined) return this.direct;
    return this.proxy.noProxy.bypass(hostname, port ?? (https ? 443 : 80)) ? this.direct : viaProxy;
  }
}
