import { describe, expect, it } from 'vitest';
import type { Component, Factory } from '../component/component.js';
import { nopConsumer } from './consumers.js';
import { testHost, testSettings } from './settings.js';

/**
 * The lifecycle contract every factory's components must meet: shutdown is
 * safe before start and safe twice; start then shutdown works. Run against
 * each factory with a config that can start on this machine.
 */
export function lifecycleSuite(factory: Factory, rawConfig: unknown, host = testHost()): void {
  const make = (): Component => {
    const config = factory.configSchema.parse(rawConfig);
    const set = testSettings(factory.kind, factory.type);
    switch (factory.kind) {
      case 'receiver':
      case 'processor':
        return factory.create(set, config, nopConsumer);
      case 'exporter':
      case 'extension':
        return factory.create(set, config);
    }
  };
  describe(`${factory.kind} ${factory.type}: lifecycle`, () => {
    it('validates its own default config', () => {
      const c = factory.configSchema.parse(rawConfig);
      expect(factory.validate?.(c) ?? []).toEqual([]);
    });
    it('shuts down safely before start, and twice', async () => {
      const c = make();
      await c.shutdown();
      await c.shutdown();
    });
    it('starts, then shuts down twice', async () => {
      const c = make();
      await c.start(host);
      await c.shutdown();
      await c.shutdown();
    });
  });
}
