import { describe, expect, it } from 'vitest';
import { type PeerCertificate, verifiedPeerCertificate } from '../../component/auth.js';
import { formatIssues } from '../../config/schema.js';
import type { TributaryError } from '../../errors/tributary-error.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { mtlsAuthSchema } from './config.js';
import { mtlsAuthFactory } from './factory.js';
import { MtlsAuth } from './mtlsauth.js';
import { glob } from './rules.js';

lifecycleSuite(mtlsAuthFactory, { rules: [{ match: { cn: 'site-*' }, attributes: { site: '{cn}' } }] });

function cert(subject: Record<string, string[]>, alt: Partial<PeerCertificate['altNames']> = {}): PeerCertificate {
  const altNames = { DNS: [], IP: [], URI: [], email: [], ...alt };
  const subjectLine = Object.entries(subject)
    .flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`))
    .join(',');
  return { subject, altNames, subjectLine };
}

describe('reading the certificate Node reports', () => {
  it('takes subject fields (repeated ones as lists) and alternative names by type', () => {
    const c = verifiedPeerCertificate({
      raw: Buffer.from('x'),
      subject: { CN: 'site-paris', O: 'Acme', OU: ['Sites', 'EU'] } as never,
      subjectaltname: 'DNS:paris.sites.example, IP Address:10.0.0.7, URI:spiffe://acme/site/paris, email:ops@acme.example, DNS:"odd,name"',
    });
    expect(c).toEqual({
      subject: { CN: ['site-paris'], O: ['Acme'], OU: ['Sites', 'EU'] },
      altNames: { DNS: ['paris.sites.example', 'odd,name'], IP: ['10.0.0.7'], URI: ['spiffe://acme/site/paris'], email: ['ops@acme.example'] },
      subjectLine: 'CN=site-paris,O=Acme,OU=Sites,OU=EU',
    });
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['an empty object (no certificate sent)', {}],
  ])('%s is no certificate', (_name, v) => {
    expect(verifiedPeerCertificate(v as never)).toBeUndefined();
  });
});

describe('glob', () => {
  it.each([
    ['site-*', 'site-paris', false, true],
    ['site-*', 'site-', false, true],
    ['site-*', 'xsite-paris', false, false],
    ['*.sites.example', 'paris.sites.example', false, true],
    ['*.sites.example', 'paris.sitesXexample', false, false],
    ['Acme (EU)', 'Acme (EU)', false, true],
    ['*.SITES.example', 'paris.sites.EXAMPLE', true, true],
    ['*.SITES.example', 'paris.sites.EXAMPLE', false, false],
    ['a*b*c', 'a-x-b-y-c', false, true],
    ['exact', 'exact\nmore', false, false],
  ])('%j ~ %j (ignore case %s) -> %s', (pattern, value, ignoreCase, want) => {
    expect(glob(pattern, ignoreCase).test(value)).toBe(want);
  });
});

describe('rules', () => {
  const rules = [
    { match: { cn: 'site-*', o: 'Acme' }, attributes: { tenant: 'acme', site: '{cn}' } },
    { match: { san_uri: 'spiffe://globex/*' }, attributes: { tenant: 'globex' } },
    { match: { san_dns: '*.lab.example', ou: 'Lab' }, attributes: { tenant: 'lab', unit: '{ou}' } },
    { match: { cn: 'needs-o' }, attributes: { org: '{o}' } },
    { match: { cn: 'needs-o' }, attributes: { org: 'fallback' } },
  ];
  const auth = new MtlsAuth(testSettings('extension', 'mtlsauth/sites'), mtlsAuthSchema.parse({ rules }));

  const cases: [string, PeerCertificate | undefined, string | RegExp][] = [
    ['first rule, CN quoted', cert({ CN: ['site-paris'], O: ['Acme'] }), '200 CN=site-paris,O=Acme {"tenant":"acme","site":"site-paris"}'],
    ['every key of a rule must match', cert({ CN: ['site-paris'], O: ['Other'] }), /^403 client certificate "CN=site-paris,O=Other" fits no rule of mtlsauth\/sites$/],
    ['by URI SAN', cert({ CN: ['anything'] }, { URI: ['spiffe://globex/site/1'] }), /^200 CN=anything \{"tenant":"globex"\}$/],
    ['any SAN of the type may match; DNS ignores case', cert({ CN: ['x'], OU: ['Lab'] }, { DNS: ['x.example', 'Box.LAB.example'] }), /^200 .*"tenant":"lab","unit":"Lab"/],
    ['a repeated field matches on any value', cert({ CN: ['x'], OU: ['Other', 'Lab'] }, { DNS: ['a.lab.example'] }), /^200 .*"unit":"Other"/],
    ['a rule quoting a field the certificate lacks does not match', cert({ CN: ['needs-o'] }), /^200 CN=needs-o \{"org":"fallback"\}$/],
    ['no rule fits', cert({ CN: ['stranger'] }), /^403 .*fits no rule/],
    ['no certificate', undefined, /^401 no verified client certificate/],
  ];
  it.each(cases)('%s', async (_name, c, want) => {
    let got: string;
    try {
      const info = await auth.authenticate({ headers: {}, transport: 'http', peerCertificate: c, peerCertificateSubject: c?.subjectLine });
      expect(info.authenticator).toBe('mtlsauth/sites');
      got = `200 ${info.subject} ${JSON.stringify(info.attributes)}`;
    } catch (err) {
      got = `${(err as TributaryError).def.http} ${(err as TributaryError).message}`;
    }
    if (typeof want === 'string') expect(got).toBe(want);
    else expect(got).toMatch(want);
  });
});

describe('config', () => {
  it.each([
    ['no rules', { rules: [] }, /rules: must list at least one rule/],
    ['an empty match', { rules: [{ match: {}, attributes: {} }] }, /rules::0::match: must name at least one of cn, o, ou/],
    ['an unknown match key', { rules: [{ match: { serial: '1' }, attributes: {} }] }, /rules::0::match: unknown key "serial"/],
    ['an unknown placeholder', { rules: [{ match: { cn: 'a' }, attributes: { site: '{serial}' } }] }, /rules::0::attributes: values may quote only \{cn\}, \{o\} and \{ou\}/],
  ])('%s', (_name, raw, message) => {
    const r = mtlsAuthSchema.safeParse(raw);
    expect(r.success).toBe(false);
    if (!r.success) expect(formatIssues(r.error.issues, [], raw).join('\n')).toMatch(message);
  });
});
