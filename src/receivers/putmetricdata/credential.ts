import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * One gateway-issued access key: its id, the secret it signs with and the
 * attributes stamped on whatever it sends. The secret is held in a private
 * field and never leaves this object except as derived signing keys, so a
 * credential that ends up in a log line or an error shows no secret.
 */
export class Credential {
  readonly #secret: string;
  /** Derived SigV4 signing keys by "date/region/service"; a handful at most (one per day and region). */
  readonly #keys = new Map<string, Buffer>();

  constructor(
    readonly accessKeyId: string,
    secret: string,
    readonly attributes: Readonly<Record<string, string>>,
  ) {
    this.#secret = secret;
    Object.freeze(this.attributes);
  }

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
  signingKey(date: string, region: string, service: string): Buffer {
    const id = `${date}/${region}/${service}`;
    let k = this.#keys.get(id);
    if (k === undefined) {
      const kDate = createHmac('sha256', `AWS4${this.#secret}`).update(date).digest();
      const kRegion = createHmac('sha256', kDate).update(region).digest();
      const kService = createHmac('sha256', kRegion).update(service).digest();
      k = createHmac('sha256', kService).update('aws4_request').digest();
      if (this.#keys.size >= 8) this.#keys.clear();
      this.#keys.set(id, k);
    }
    return k;
  }

  /** Whether two credentials are the same key (for reload: keep derived keys when nothing changed). */
  sameAs(other: Credential): boolean {
    return this.accessKeyId === other.accessKeyId && this.#secret === other.#secret && sameRecord(this.attributes, other.attributes);
  }

  toJSON(): object {
    return { accessKeyId: this.accessKeyId, secretAccessKey: '(redacted)', attributes: this.attributes };
  }

  [inspect.custom](): string {
    return `Credential(${this.accessKeyId}, secret redacted)`;
  }
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
