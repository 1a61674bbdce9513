/**
 * The signing service and region of an AWS endpoint, read from its host
 * name, for configs that leave `service` or `region` unset (as the
 * Collector's sigv4auth does for AMP). Handles the forms AWS documents:
 *
 *   aps-workspaces.eu-west-1.amazonaws.com          regional endpoint
 *   monitoring-fips.us-gov-west-1.amazonaws.com     FIPS endpoint
 *   logs.cn-north-1.amazonaws.com.cn                China partition
 *   aps-workspaces.eu-west-1.api.aws                dual-stack endpoint
 *   vpce-0abc-1xyz.aps-workspaces.eu-west-1.vpce.amazonaws.com
 *   vpce-0abc-1xyz-eu-west-1a.logs.eu-west-1.vpce.amazonaws.com   (zonal)
 *
 * A VPC endpoint with private DNS answers on the regional name, so it needs
 * nothing special. Anything else (a proxy, an IP address) cannot be read and
 * needs `service` and `region` in the config.
 */

export interface SigningScope {
  readonly service: string;
  readonly region: string;
}

/** Endpoint prefixes whose signing name differs from the prefix. */
const SIGNING_NAME: Readonly<Record<string, string>> = {
  'aps-workspaces': 'aps',
};

const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const PATTERNS: readonly RegExp[] = [
  new RegExp(`^vpce-[a-z0-9-]+\\.([a-z0-9-]+)\\.(${REGION})\\.vpce\\.amazonaws\\.com(?:\\.cn)?$`),
  new RegExp(`^([a-z0-9-]+?)(?:-fips)?\\.(${REGION})\\.(?:amazonaws\\.com(?:\\.cn)?|api\\.aws)$`),
];

/** Returns undefined when the host is not a recognisable AWS endpoint name. */
export function inferSigningScope(hostname: string): SigningScope | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  for (const re of PATTERNS) {
    const m = re.exec(host);
    if (m !== null) return { service: SIGNING_NAME[m[1]] ?? m[1], region: m[2] };
  }
  return undefined;
}

/**
 * Resolves the scope for one host with configured values taking precedence,
 * or returns a message naming what to set. Results are memoised per host
 * (exporters send to one or two hosts), with a bound on distinct hosts.
 */
export class ScopeResolver {
  private readonly cache = new Map<string, SigningScope | string>();

  constructor(
    private readonly service: string | undefined,
    private readonly region: string | undefined,
    private readonly maxHosts = 64,
  ) {}

  resolve(hostname: string): SigningScope | string {
    let r = this.cache.get(hostname);
    if (r === undefined) {
      r = this.compute(hostname);
      if (this.cache.size >= this.maxHosts) this.cache.clear();
      this.cache.set(hostname, r);
    }
    return r;
  }

  private compute(hostname: string): SigningScope | string {
    if (this.service !== undefined && this.region !== undefined) return { service: this.service, region: this.region };
    const inferred = inferSigningScope(hostname);
    if (inferred === undefined) {
      const missing = [this.service === undefined ? 'service' : '', this.region === undefined ? 'region' : ''].filter((s) => s !== '').join(' and ');
      return `cannot infer the SigV4 ${missing} from the host "${hostname}" (not an AWS endpoint name); set ${missing} in the sigv4auth extension's config (for Amazon Managed Service for Prometheus: service "aps" and the workspace's region)`;
    }
    return { service: this.service ?? inferred.service, region: this.region ?? inferred.region };
  }
}
