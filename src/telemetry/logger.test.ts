import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, throttle } from './logger.js';

describe('throttled log lines', () => {
  it('lets one line per key through per interval and counts the rest', () => {
    vi.useFakeTimers();
    try {
      const lines: Record<string, unknown>[] = [];
      const dest = new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) });
      const logger = createLogger({ level: 'info', destination: dest as never });
      const log = throttle(logger, 1000);
      for (let i = 0; i < 50; i++) log('warn', 'k', { metric: 'm' }, 'cannot translate');
      log('warn', 'other', {}, 'another key');
      vi.advanceTimersByTime(1001);
      log('warn', 'k', { metric: 'm' }, 'cannot translate');
      logger.flush();
      const mine = lines.filter((l) => l.msg === 'cannot translate');
      expect(mine).toHaveLength(2);
      expect(mine[1].suppressed).toBe(49);
      expect(lines.filter((l) => l.msg === 'another key')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
