import { describe, expect, it } from 'vitest';
import { escapeHtml, formatRate, formatUptime, renderStatusHtml } from './status-html.js';
import type { StatusSnapshot } from './status-model.js';

const EVIL = '<script>alert("x")</script>';

function snapshot(): StatusSnapshot {
  return {
    version: '1.2.3',
    phase: 'running',
    startedAt: '2026-01-01T00:00:00.000Z',
    uptimeSeconds: 93_784,
    generatedAt: '2026-01-02T02:03:04.000Z',
    rateWindow: { seconds: 30, samples: 7, intervalSeconds: 5 },
    pipelines: [{ name: 'metrics', receivers: ['otlp'], processors: [], exporters: [`debug/${EVIL}`] }],
    components: [
      {
        key: 'receiver/otlp',
        kind: 'receiver',
        id: 'otlp',
        type: 'otlp',
        pipelines: ['metrics'],
        state: 'running',
        endpoints: ['http://127.0.0.1:4318/v1/metrics'],
        totals: { accepted: 1500, refused: 3 },
        rates: { accepted: 12.345, refused: null },
        errors: [],
      },
      {
        key: `exporter/debug/${EVIL}`,
        kind: 'exporter',
        id: `debug/${EVIL}`,
        type: 'debug',
        pipelines: ['metrics'],
        state: 'failed',
        endpoints: [],
        totals: { sent: 10, failed: 0, refused: 0, retries: 4 },
        rates: { sent: 0.5, failed: 0, refused: 0, retries: 0.1 },
        queue: { size: 2, capacity: 1000 },
        errors: [{ at: '2026-01-02T02:03:00.000Z', level: 'warn', message: `send failed: <img src=x onerror="alert(1)"> & 'quoted'` }],
      },
    ],
    config: { exporters: { [`debug/${EVIL}`]: { verbosity: 'basic', token: '<redacted>' } } },
  };
}

describe('status page HTML', () => {
  const html = renderStatusHtml(snapshot());

  it('escapes every value from components, errors and config', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).toContain('debug/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('send failed: &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;quoted&#39;');
    expect(html).toContain('data-component="exporter/debug/&lt;script&gt;');
    expect(html).toContain('token: &lt;redacted&gt;');
  });

  it('refreshes itself and loads nothing', () => {
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    expect(html).not.toMatch(/<link|src=["']|@import|url\(/i);
  });

  it('shows the figures in cells tools can find', () => {
    expect(html).toContain('<span data-field="accepted">1500</span>');
    expect(html).toContain('<span data-field="accepted_rate">12.35</span>/s');
    expect(html).toContain('<span data-field="refused_rate">—</span></small>');
    expect(html).toContain('<span data-field="queue_size">2</span> / <span data-field="queue_capacity">1000</span>');
    expect(html).toContain('<span data-field="retries">4</span>');
    expect(html).toContain('class="state state-failed">failed</td>');
    expect(html).toContain('<dd data-field="uptime" data-seconds="93784">1d 2h 3m 4s</dd>');
    expect(html).toContain('Tributary 1.2.3');
  });

  it('says when there are no errors and when rates are not ready', () => {
    const s = snapshot();
    const quiet = renderStatusHtml({ ...s, rateWindow: { seconds: 0, samples: 1, intervalSeconds: 5 }, components: [s.components[0]] });
    expect(quiet).toContain('No warnings or errors since start.');
    expect(quiet).toContain('waiting for a second sample');
  });
});

describe('formatting', () => {
  it.each([
    ['<a href="x">&\'', '&lt;a href=&quot;x&quot;&gt;&amp;&#39;'],
    ['plain', 'plain'],
  ])('escapeHtml(%s)', (a, b) => expect(escapeHtml(a)).toBe(b));
  it('formats rates and uptimes', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(1 / 3)).toBe('0.33');
    expect(formatUptime(0)).toBe('0s');
    expect(formatUptime(61)).toBe('1m 1s');
    expect(formatUptime(3600)).toBe('1h 0m 0s');
  });
});
