import type { Host } from '../component/component.js';
import { sigv4AuthSchema } from '../extensions/sigv4auth/config.js';
import { Sigv4Auth } from '../extensions/sigv4auth/sigv4auth.js';
import { testHost, testSettings } from './settings.js';

/** Fixed test credentials, never valid anywhere. */
export const STATIC_KEYS = { accessKeyId: 'AKIDTRIBUTARYTEST01', secretAccessKey: 'tributary-test-secret' };

/**
 * A started sigv4auth extension with fixed credentials (no credential chain,
 * no files, no network), and a host that offers it as "sigv4auth", for
 * exporters built on AWS SDK clients.
 */
export async function staticSigv4Host(keys = STATIC_KEYS): Promise<{ host: Host; auth: Sigv4Auth }> {
  const auth = new Sigv4Auth(testSettings('extension', 'sigv4auth'), sigv4AuthSchema.parse({}), {
    env: {},
    loadCredentials: async () => ({ ...keys }),
    watchIntervalMs: 3_600_000,
  });
  await auth.start(testHost());
  return { host: testHost({ sigv4auth: auth }), auth };
}
