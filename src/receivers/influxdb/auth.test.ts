import { HttpError, InfluxDB, Point, setLogger } from '@influxdata/influxdb-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Extension } from '../../component/component.js';
import { BasicAuth } from '../../extensions/basicauth/basicauth.js';
import { basicAuthSchema } from '../../extensions/basicauth/config.js';
import { BearerTokenAuth } from '../../extensions/bearertokenauth/bearertokenauth.js';
import { bearerTokenAuthSchema } from '../../extensions/bearertokenauth/config.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { influxdbReceiverSchema } from './config.js';
import { InfluxdbReceiver } from './receiver.js';

/**
 * Influx clients with real credentials: the InfluxDB 2.x client library
 * sends `Authorization: Token <token>`, which bearertokenauth accepts with
 * `schemes: [Bearer, Token]`; InfluxDB 1.x clients send u/p, which basicauth
 * checks. Either way the site's attributes reach the pipeline.
 */

const running: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});
beforeAll(() => {
  setLogger({ error: () => undefined, warn: () => undefined });
});

async function start(ext: Extension, id: string) {
  await ext.start(testHost());
  running.push(ext);
  const sink = new SinkConsumer();
  const r = new InfluxdbReceiver(testSettings('receiver', 'influxdb'), influxdbReceiverSchema.parse({ endpoint: '127.0.0.1:0', auth: { authenticator: id } }), sink);
  await r.start(testHost({ [id]: ext }));
  running.push(r);
  return { sink, base: r.endpoints()[0].replace(/\/write$/, '') };
}

describe('influxdb receiver with authenticators', () => {
  it('the InfluxDB 2.x client library, with the Token scheme', async () => {
    const id = 'bearertokenauth/influx';
    const ext = new BearerTokenAuth(
      testSettings('extension', id),
      bearerTokenAuthSchema.parse({ schemes: ['Bearer', 'Token'], tokens: [{ token: 'site-token', name: 'lyon', attributes: { tenant: 'acme', site: 'lyon' } }] }),
    );
    const { sink, base } = await start(ext, id);
    const write = async (token: string) => {
      const api = new InfluxDB({ url: base, token }).getWriteApi('acme', 'b', 'ns', { flushInterval: 0, maxRetries: 0 });
      api.writePoint(new Point('m').floatField('v', 1).timestamp('1700000000000000000'));
      try {
        await api.close();
        return 204;
      } catch (err) {
        return err instanceof HttpError ? err.statusCode : String(err);
      }
    };
    expect(await write('wrong-token')).toBe(401);
    expect(sink.points()).toBe(0);
    expect(await write('site-token')).toBe(204);
    expect(sink.contexts.map((c) => c.client.auth)).toEqual([{ authenticator: id, subject: 'lyon', attributes: { tenant: 'acme', site: 'lyon' } }]);
  });

  it('InfluxDB 1.x u/p in the query, checked by basicauth', async () => {
    const id = 'basicauth/influx';
    const ext = new BasicAuth(testSettings('extension', id), basicAuthSchema.parse({ htpasswd: { inline: 'lyon:pw' }, user_attributes: { lyon: { tenant: 'acme' } } }));
    const { sink, base } = await start(ext, id);
    const w = (q: string) => fetch(`${base}/write?db=d&${q}`, { method: 'POST', body: 'm v=1 1700000000000000000' });
    const denied = await w('u=lyon&p=nope');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="tributary", charset="UTF-8"');
    expect((await w('u=lyon&p=pw')).status).toBe(204);
    expect(sink.contexts.map((c) => c.client.auth?.attributes)).toEqual([{ username: 'lyon', tenant: 'acme' }]);
  });
});
