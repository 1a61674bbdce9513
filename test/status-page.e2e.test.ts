import { type Browser, type Page, chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { StatusSnapshot } from '../src/telemetry/status/status-model.js';
import { startGateway } from './kit/gateway.js';
import { type HttpRecorder, startHttpRecorder } from './kit/http-recorder.js';
import { gaugeRequestOf } from './kit/otlp-send.js';
import { requireProgram } from './kit/peers.js';
import { freePorts, waitUntil } from './kit/ports.js';

/**
 * The status page as an operator sees it: the built gateway with an OTLP
 * receiver, a batch processor and a remote-write exporter whose endpoint
 * first answers 503 (so retries and a last error show), traffic flowing,
 * and the page opened in a real browser (Debian's chromium, driven by
 * playwright-core): live figures, redacted secrets, a screenshot that
 * shows something, and the page reloading itself.
 */

const PRW_SECRET = 'prw-s3cret-a1b2c3d4';
const RECEIVER_SECRET = 'rcv-t0ken-e5f6a7b8';
const OVERLOADED = 'overloaded, try later';

/** Posts a small OTLP request every `everyMs` until stopped, at most `max` times. */
function trafficLoop(url: string, everyMs: number, max: number): { stop: () => Promise<void>; statuses: number[] } {
  const statuses: number[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; i < max && !stopped; i++) {
      const body = gaugeRequestOf([{ name: 'status_page_load', value: i, timeMs: Date.now(), attrs: { i: String(i % 5) } }]);
      try {
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${RECEIVER_SECRET}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
      } catch {
        statuses.push(0);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    statuses,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function status(base: string): Promise<StatusSnapshot> {
  return (await (await fetch(`${base}/status?format=json`)).json()) as StatusSnapshot;
}

const component = (s: StatusSnapshot, key: string) => s.components.find((c) => c.key === key)!;

async function cell(page: Page, key: string, field: string): Promise<string> {
  return (await page.locator(`tr[data-component="${key}"] [data-field="${field}"]`).innerText()).trim();
}

/**
 * Browser code (a string: the project's TypeScript has no DOM types) that
 * draws a PNG on a canvas and measures its colours: how many distinct ones
 * among every 7th pixel, and the share of the commonest.
 */
const MEASURE_PNG = `async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = new Map();
  let n = 0;
  for (let i = 0; i < data.length; i += 4 * 7) {
    const c = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n++;
  }
  return { width: canvas.width, height: canvas.height, distinct: counts.size, commonest: Math.max(...counts.values()) / n };
}`;

/** Decodes the screenshot in a blank page of the same browser (the status page's policy forbids images). */
async function pngColours(browser: Browser, png: Buffer): Promise<{ width: number; height: number; distinct: number; commonest: number }> {
  const page = await browser.newPage();
  try {
    return (await page.evaluate(`(${MEASURE_PNG})(${JSON.stringify(png.toString('base64'))})`)) as { width: number; height: number; distinct: number; commonest: number };
  } finally {
    await page.close();
  }
}

describe('status page', () => {
  it('shows live figures, retries, the last error and redacted secrets in a browser, and reloads itself', { timeout: 180_000 }, async () => {
    const chromiumPath = requireProgram('chromium', 'chromium');
    const [http, tel] = await freePorts(2);
    const recorder: HttpRecorder = await startHttpRecorder();
    recorder.respondWith(503, OVERLOADED);
    const gw = await startGateway(`
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:${http}", auth: {authenticator: bearertokenauth}}
processors:
  batch: {timeout: 100ms}
exporters:
  prometheusremotewrite:
    endpoint: ${recorder.url}/api/v1/write
    headers: {Authorization: "Bearer ${PRW_SECRET}", X-Scope-OrgID: tenant-a}
    retry_on_failure: {initial_interval: 100ms, max_interval: 500ms}
extensions:
  bearertokenauth: {token: ${RECEIVER_SECRET}}
service:
  extensions: [bearertokenauth]
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [batch], exporters: [prometheusremotewrite]}
`);
    const base = `http://127.0.0.1:${tel}`;
    const traffic = trafficLoop(`http://127.0.0.1:${http}/v1/metrics`, 200, 1000);
    let browser: Browser | undefined;
    try {
      // While the endpoint answers 503 the exporter retries; intake goes on into its queue.
      await waitUntil(async () => {
        const s = await status(base);
        return component(s, 'exporter/prometheusremotewrite').totals.retries > 0 && (component(s, 'receiver/otlp').rates.accepted ?? 0) > 0;
      }, 'retries and a non-zero intake rate on the status page', 60_000, 500);
      recorder.respondWith(200);
      await waitUntil(async () => {
        const s = await status(base);
        return (component(s, 'exporter/prometheusremotewrite').rates.sent ?? 0) > 0;
      }, 'a non-zero send rate once the endpoint recovers', 60_000, 500);
      expect(traffic.statuses.filter((x) => x === 200).length).toBeGreaterThan(0);

      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--headless=new'], timeout: 60_000 });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      let loads = 0;
      page.on('load', () => loads++);
      await page.goto(`${base}/`);
      expect(new URL(page.url()).pathname).toBe('/status');
      expect(await page.title()).toContain('running');

      const otlp = 'receiver/otlp';
      const prw = 'exporter/prometheusremotewrite';
      const accepted = Number(await cell(page, otlp, 'accepted'));
      expect(accepted).toBeGreaterThan(0);
      expect(Number(await cell(page, otlp, 'accepted_rate'))).toBeGreaterThan(0);
      expect(await cell(page, otlp, 'state')).toBe('running');
      expect(await cell(page, 'processor/metrics/batch', 'state')).toBe('running');
      expect(await cell(page, 'extension/bearertokenauth', 'state')).toBe('running');
      expect(Number(await cell(page, prw, 'queue_capacity'))).toBeGreaterThan(0);
      expect(Number(await cell(page, prw, 'retries'))).toBeGreaterThan(0);
      expect(Number(await cell(page, prw, 'sent'))).toBeGreaterThan(0);
      const lastError = await cell(page, prw, 'last_error');
      expect(lastError).toContain('remote-write request failed; retrying');
      expect(lastError).toContain(OVERLOADED);
      expect(lastError).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);

      const text = await page.locator('body').innerText();
      expect(text).toContain('Authorization: <redacted>');
      expect(text).toContain('token: <redacted>');
      expect(text).toContain('X-Scope-OrgID: tenant-a');
      const source = await page.content();
      for (const secret of [PRW_SECRET, RECEIVER_SECRET]) {
        expect(text).not.toContain(secret);
        expect(source).not.toContain(secret);
      }

      const png = await page.screenshot({ fullPage: true });
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const shot = await pngColours(browser, png);
      expect(shot.width).toBe(1280); // the page fits the window: no horizontal overflow
      expect(shot.height).toBeGreaterThanOrEqual(600);
      // Text, table rules and coloured states: many colours, and no single colour covering the whole page.
      expect(shot.distinct).toBeGreaterThan(20);
      expect(shot.commonest).toBeLessThan(0.97);

      // The page reloads itself (meta refresh), and the reload shows newer figures.
      expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('5');
      await waitUntil(() => loads >= 2, 'the page to reload itself', 30_000, 200);
      await page.waitForLoadState('load');
      await waitUntil(async () => Number(await cell(page, otlp, 'accepted')) > accepted, 'a reload with more accepted points', 30_000, 500);
    } finally {
      await browser?.close();
      await traffic.stop();
      const code = await gw.stop();
      await recorder.close();
      expect(code).toBe(0);
    }
  });
});
