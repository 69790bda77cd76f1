// The measurements of scripts/bench-front-door.sh (see there). Prints a Markdown summary.
//   BASE_URL=… RUNS=5 node scripts/lib/bench-front-door.mjs photo1.jpg photo2.jpg photo3.jpg
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/tools/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const BASE_URL = process.env.BASE_URL;
const RUNS = Number(process.env.RUNS ?? 5);
const photos = process.argv.slice(2);
/** Lighthouse's "slow 4G" as Chromium's DevTools applies it (bytes per second). */
const NETWORK = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'de-DE' };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => (ms / 1000).toFixed(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

/** A fresh phone (empty cache, no service worker) on the slow network. */
async function slowPhone() {
  const context = await browser.newContext({ ...PHONE, baseURL: BASE_URL });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  return { context, page };
}

// 1. The form, cold.
const usable = [];
for (let run = 1; run <= RUNS; run += 1) {
  const { context, page } = await slowPhone();
  await page.goto('/new.html', { waitUntil: 'commit' });
  await page.waitForFunction(() => performance.getEntriesByName('bb-form-ready').length > 0, null, { timeout: 60000 });
  const figures = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      ready: performance.getEntriesByName('bb-form-ready')[0].startTime,
      fcp: fcp?.startTime ?? null,
      dcl: nav.domContentLoadedEventEnd,
      bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
      requests: resources.length + 1,
    };
  });
  usable.push(figures);
  console.error(`/new.html run ${run}: usable after ${seconds(figures.ready)} s (first paint ${seconds(figures.fcp)} s), ${figures.requests} requests, ${Math.round(figures.bytes / 1024)} kB`);
  await context.close();
}

// 2. Three 12-megapixel photos.
const sizes = photos.map((p) => fs.statSync(p).size);
const sends = [];
for (let run = 1; run <= RUNS; run += 1) {
  const { context, page } = await slowPhone();
  await page.goto('/new.html');
  await page.waitForFunction(() => performance.getEntriesByName('bb-form-ready').length > 0, null, { timeout: 60000 });
  await page.fill('#lat', '52.5219');
  await page.fill('#lon', '13.4132');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'), null, { timeout: 60000 });
  await page.selectOption('#category', 'roads_paths');
  await page.fill('#description', `Drei Fotos vom Schlagloch, Lauf ${run}`);
  const picked = Date.now();
  await page.setInputFiles('#photos', photos);
  await page.waitForFunction(() => document.querySelectorAll('#photo-list li').length === 3, null, { timeout: 60000 });
  const prepared = Date.now() - picked;
  await page.click('#to-preview');
  await page.waitForSelector('#preview:not([hidden])');
  const upload = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/reports'));
  const pressed = Date.now();
  await page.click('#send');
  await page.waitForSelector('#tracking-link', { timeout: 120000 });
  const filed = Date.now() - pressed;
  const request = await upload;
  // The multipart body's length as Chromium sent it (playwright sees no bytes of Blob parts).
  const body = Number((await request.allHeaders())['content-length'] ?? 0);
  const limit = (body * 8) / 750e3 * 1000;
  sends.push({ filed, prepared, body, limit });
  console.error(`3 photos run ${run}: filed ${seconds(filed)} s after "send" (upload ${Math.round(body / 1024)} kB, uplink alone ${seconds(limit)} s); made smaller in ${seconds(prepared)} s`);
  await context.close();
}
await browser.close();

const send = median(sends.map((s) => s.filed));
const body = median(sends.map((s) => s.body));
const limit = median(sends.map((s) => s.limit));
const originals = sizes.reduce((a, b) => a + b, 0);
console.log(`Network: ${NETWORK.downloadThroughput * 8 / 1e6} Mbit/s down, ${NETWORK.uploadThroughput * 8 / 1e3} kbit/s up, ${NETWORK.latency} ms latency (Chromium DevTools emulation); ${RUNS} runs, cold cache`);
console.log('');
console.log('| what | median | worst | target |');
console.log('|---|---|---|---|');
console.log(`| /new.html usable (form filled and wired) | ${seconds(median(usable.map((u) => u.ready)))} s | ${seconds(Math.max(...usable.map((u) => u.ready)))} s | 2 s |`);
console.log(`| /new.html first paint | ${seconds(median(usable.map((u) => u.fcp)))} s | ${seconds(Math.max(...usable.map((u) => u.fcp)))} s | |`);
console.log(`| report with 3 × 12 MP photos, "send" → thank-you | ${seconds(send)} s | ${seconds(Math.max(...sends.map((s) => s.filed)))} s | 20 s |`);
console.log(`| the 3 photos made smaller in the browser (on choosing them) | ${seconds(median(sends.map((s) => s.prepared)))} s | ${seconds(Math.max(...sends.map((s) => s.prepared)))} s | |`);
console.log('');
console.log(`/new.html: ${median(usable.map((u) => u.requests))} requests, ${Math.round(median(usable.map((u) => u.bytes)) / 1024)} kB transferred.`);
console.log(`Photos: originals ${sizes.map((s) => (s / 1e6).toFixed(1)).join(' + ')} MB = ${(originals / 1e6).toFixed(1)} MB (${seconds(originals * 8 / 750e3 * 1000)} s over the uplink alone);`
  + ` uploaded ${Math.round(body / 1024)} kB (${seconds(limit)} s over the uplink alone); the filing took ${(send / limit).toFixed(2)}× that.`);
