import type { PeerCertificate } from '../../component/auth.js';
import { type MtlsRuleConfig, PLACEHOLDER, SAN_KEYS, SUBJECT_KEYS } from './config.js';

/** Rules compiled once: each match key becomes an anchored pattern over the certificate's values. */
export class CertificateRules {
  private readonly rules: readonly CompiledRule[];

  constructor(rules: readonly MtlsRuleConfig[]) {
    this.rules = rules.map(compile);
  }

  /** The attributes of the first rule the certificate fits, or undefined. */
  attributesOf(cert: PeerCertificate): Readonly<Record<string, string>> | undefined {
    for (const r of this.rules) {
      if (!r.tests.every((t) => t(cert))) continue;
      const attrs = fill(r.attributes, cert);
      if (attrs !== undefined) return attrs;
    }
    return undefined;
  }
}

type Test = (cert: PeerCertificate) => boolean;

interface CompiledRule {
  readonly tests: readonly Test[];
  readonly attributes: Readonly<Record<string, string>>;
}

function compile(rule: MtlsRuleConfig): CompiledRule {
  const tests: Test[] = [];
  for (const [key, field] of Object.entries(SUBJECT_KEYS)) {
    const p = rule.match[key as keyof typeof SUBJECT_KEYS];
    if (p === undefined) continue;
    const re = glob(p, false);
    tests.push((c) => (c.subject[field] ?? []).some((v) => re.test(v)));
  }
  for (const [key, type] of Object.entries(SAN_KEYS)) {
    const p = rule.match[key as keyof typeof SAN_KEYS];
    if (p === undefined) continue;
    const re = glob(p, type === 'DNS');
    tests.push((c) => c.altNames[type].some((v) => re.test(v)));
  }
  return { tests, attributes: rule.attributes };
}

/** `*` is any run of characters; everything else stands for itself. */
export function glob(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}

function fill(attributes: Readonly<Record<string, string>>, cert: PeerCertificate): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) {
    let missing = false;
    out[k] = v.replace(PLACEHOLDER, (_m, name: string) => {
      const value = cert.subject[SUBJECT_KEYS[name as keyof typeof SUBJECT_KEYS]]?.[0];
      if (value === undefined) missing = true;
      return value ?? '';
    });
    if (missing) return undefined;
  }
  return out;
}
