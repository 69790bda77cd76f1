// Shared by the browser tests: Debian's chromium driven by playwright-core, axe-core injected
// into every page checked, screenshots for review, and a guard that fails a test on any
// JavaScript error, CSP violation or failed request the page makes.
//
// The server is started by scripts/browser-test.sh, which passes these variables:
//   BASE_URL, CLERK_EMAIL, CLERK_PASSWORD (a clerk of Bezirksamt Mitte), ADMIN_EMAIL,
//   ADMIN_PASSWORD, SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// The npm packages live in tests/tools (installed by scripts/test.sh), not above this file.
const require = createRequire(new URL('../tools/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
export const CLERK = { email: process.env.CLERK_EMAIL, password: process.env.CLERK_PASSWORD };
export const ADMIN = { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD };
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? 'target/browser-screenshots';

/** Viewports the tests use: a desktop and a phone (the size of a common Android phone). */
export const DESKTOP = { viewport: { width: 1280, height: 900 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Starts headless chromium with the flags this closed network needs. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new page (own context: own cookies and storage) that records every console error, page
 * error, CSP report and failed request; `assertClean(page)` fails on any of them.
 */
export async function openPage(browser, options = DESKTOP) {
  const context = await browser.newContext({ ...options, baseURL: BASE_URL, locale: 'de-DE' });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    page.problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });
  return page;
}

/**
 * Fails with the list of problems the page recorded. `allowed` holds substrings of expected
 * messages (an API answer of 4xx that the page shows on purpose is logged by chromium too).
 */
export function assertClean(page, allowed = []) {
  const unexpected = page.problems.filter((p) => !allowed.some((a) => p.includes(a)));
  assert.deepEqual(unexpected, [], `the page reported problems:\n${unexpected.join('\n')}`);
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now; fails on any violation. */
export async function assertAccessible(page, label) {
  // Evaluated through the DevTools protocol: an injected <script> tag would be an inline
  // script, which the page's CSP (rightly) refuses.
  if (!await page.evaluate(() => Boolean(window.axe))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  assert.deepEqual(violations, [], `axe-core found violations on ${label}:\n${JSON.stringify(violations, null, 2)}`);
  // WCAG 2.1 1.4.10 (Reflow), which axe cannot check: no sideways scrolling at 320 CSS px and up.
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.leaflet-container'))
      .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${[...e.classList].join('.')}`);
    return { scroll: document.documentElement.scrollWidth, width, wide };
  });
  assert.ok(overflow.scroll <= overflow.width, `${label} scrolls sideways (${overflow.scroll} > ${overflow.width} px): ${overflow.wide.join(', ')}`);
}

/** Saves a full-page screenshot as `<SCREENSHOT_DIR>/<name>.png` for review. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Calls the JSON API directly (set-up and checks), failing on a non-2xx answer. */
export async function api(method, urlPath, body, headers = {}) {
  const response = await fetch(new URL(urlPath, BASE_URL), {
    method,
    headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${urlPath} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** An API bearer token for the admin (made once per test file). */
let adminToken;
export async function adminHeaders() {
  if (!adminToken) {
    const login = await fetch(new URL('/api/v1/admin/login', BASE_URL), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    assert.equal(login.status, 200, 'admin log-in');
    const cookie = login.headers.get('set-cookie').split(';')[0];
    const { csrf_token: csrf } = await login.json();
    const created = await fetch(new URL('/api/v1/admin/tokens', BASE_URL), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({ name: 'browser tests' }),
    });
    assert.equal(created.status, 201, `token: ${await created.clone().text()}`);
    adminToken = (await created.json()).token;
  }
  return { Authorization: `Bearer ${adminToken}` };
}

/** Files a report through the API (a point in Berlin-Mitte unless told otherwise). */
export async function fileReport({ lat = 52.5219, lon = 13.4132, category = 'roads_paths', description = 'Schlagloch vor dem Haus' } = {}) {
  return api('POST', '/api/v1/reports', { lat, lon, category, description });
}

/** Files a report and publishes it as the admin, so public pages show it. */
export async function filePublishedReport(fields) {
  const report = await fileReport(fields);
  await api('POST', `/api/v1/admin/reports/${report.id}/publish`, undefined, await adminHeaders());
  return report;
}

/**
 * A JPEG of `width`×`height` drawn by the browser itself (a sky, a street, a dark hole), as a
 * file for `setInputFiles`, so the tests need no binary fixtures.
 */
export async function makeJpeg(page, width = 1200, height = 900, name = 'schlagloch.jpg') {
  const dataUrl = await page.evaluate(([w, h]) => {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d');
    g.fillStyle = '#87a9d0'; g.fillRect(0, 0, w, h / 2);
    g.fillStyle = '#555'; g.fillRect(0, h / 2, w, h / 2);
    g.fillStyle = '#222'; g.beginPath(); g.ellipse(w / 2, h * 0.75, w / 6, h / 12, 0, 0, 2 * Math.PI); g.fill();
    return canvas.toDataURL('image/jpeg', 0.9);
  }, [width, height]);
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from(dataUrl.split(',')[1], 'base64') };
}
