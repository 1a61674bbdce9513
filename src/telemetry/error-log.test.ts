import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorLog, describeLogCall, recordingLogger } from './error-log.js';
import { createLogger, throttle } from './logger.js';

function capture(level: 'debug' | 'error' = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) });
  return { logger: createLogger({ level, destination: dest as never }), lines };
}

describe('ErrorLog', () => {
  it('keeps the newest entries per component, bounded', () => {
    let t = 0;
    const log = new ErrorLog({ perComponent: 3, maxComponents: 2, maxMessage: 10, now: () => ++t });
    for (let i = 0; i < 5; i++) log.record('exporter/a', 'warn', `m${i}`);
    log.record('exporter/b', 'error', 'x'.repeat(50));
    log.record('exporter/c', 'error', 'dropped: too many components');
    expect(log.recent('exporter/a').map((e) => e.message)).toEqual(['m4', 'm3', 'm2']);
    expect(log.recent('exporter/a')[0].at).toBe(5);
    expect(log.recent('exporter/b')[0].message).toBe(`${'x'.repeat(9)}…`);
    expect(log.recent('exporter/c')).toEqual([]);
  });

  it('hides URL passwords in messages', () => {
    const log = new ErrorLog();
    log.record('exporter/a', 'error', 'POST https://u:hunter2@h/write failed');
    expect(log.recent('exporter/a')[0].message).toBe('POST https://u:<redacted>@h/write failed');
  });
});

describe('describeLogCall', () => {
  it.each([
    [['plain %s', 'text'], 'plain text'],
    [[{ detail: 'HTTP 503: busy', reason: 'http_503', delay_ms: 5 }, 'request failed; retrying'], 'request failed; retrying (detail=HTTP 503: busy, reason=http_503)'],
    [[new Error('boom'), 'start failed'], 'start failed (err=boom)'],
    [[new Error('boom')], 'err=boom'],
    [[{ err: { code: 'E' } }], 'err={"code":"E"}'],
  ] as [unknown[], string][])('%j -> %s', (args, want) => expect(describeLogCall(args)).toBe(want));
});

describe('recordingLogger', () => {
  it('records warn and error lines, logs them as before, and its children record too', () => {
    const { logger, lines } = capture();
    const log = new ErrorLog();
    const l = recordingLogger(logger.child({ kind: 'exporter', id: 'a' }), log, 'exporter/a');
    l.info('fine');
    l.warn({ detail: 'HTTP 503' }, 'retrying');
    l.child({ shard: 1 }).error('dropped');
    throttle(l, 10_000)('warn', 'k', { reason: 'r' }, 'throttled');
    logger.flush();
    expect(log.recent('exporter/a').map((e) => [e.level, e.message])).toEqual([
      ['warn', 'throttled (reason=r)'],
      ['error', 'dropped'],
      ['warn', 'retrying (detail=HTTP 503)'],
    ]);
    expect(lines.map((x) => x.msg)).toEqual(['fine', 'retrying', 'dropped', 'throttled']);
    expect(lines[2]).toMatchObject({ kind: 'exporter', id: 'a', shard: 1 });
    expect(l.isLevelEnabled('debug')).toBe(true);
  });

  it('records whatever the log level', () => {
    const { logger, lines } = capture('error');
    const log = new ErrorLog();
    recordingLogger(logger, log, 'receiver/r').warn('not logged at level error');
    logger.flush();
    expect(lines).toHaveLength(0);
    expect(log.recent('receiver/r')).toHaveLength(1);
  });
});
