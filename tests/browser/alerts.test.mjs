// Area alerts and feeds in a real browser: the feed links of the map, an authority's page and a
// report's page (visible, and as <link rel="alternate"> for feed readers), the alerts page
// reached from a report (the selection in words, the feed link following the choices), its
// field errors and refusals, a subscription, and axe-core on every state at desktop and phone
// size.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PHONE, adminHeaders, api, assertAccessible, assertClean, filePublishedReport, launch, openPage, screenshot,
} from './lib.mjs';

let browser;
let report;

before(async () => {
  browser = await launch();
  report = await filePublishedReport({ category: 'street_lighting', description: 'Laterne für die Feed-Prüfung' });
});

after(async () => {
  await browser?.close();
  // Other test files count Mitte's public reports: leave the public map as it was.
  if (report) await api('POST', `/api/v1/admin/reports/${report.id}/hide`, {}, await adminHeaders());
});

test('a report links the feed of its Gemeinde, and the alerts page subscribes to its surroundings', async () => {
  const page = await openPage(browser);
  await page.goto(`/report.html?id=${report.id}`);
  await page.waitForSelector('#report:not([hidden])');
  const feed = await page.getAttribute('#area-feed', 'href');
  assert.equal(feed, '/api/v1/feeds/reports.atom?area=11000001');
  assert.equal(await page.getAttribute('link[rel=alternate][type="application/atom+xml"]', 'href'), feed);
  const atom = await page.evaluate(async (url) => {
    const response = await fetch(url);
    return { type: response.headers.get('content-type'), text: await response.text() };
  }, feed);
  assert.equal(atom.type, 'application/atom+xml; charset=utf-8');
  assert.ok(atom.text.includes(report.id), 'the feed lists the report');
  await assertAccessible(page, 'a report with its feed links');

  await page.click('#area-alerts');
  await page.waitForURL(/\/alerts\.html\?lat=52\.52190&lon=13\.41320&radius_m=500/);
  await page.waitForSelector('#feed-link:not([hidden])');
  assert.match(await page.textContent('#selection'), /im Umkreis von 500 m um 52\.52190, 13\.41320/);
  assert.equal(await page.getAttribute('link[rel=alternate][type="application/atom+xml"]', 'href'),
    '/api/v1/feeds/reports.atom?lat=52.5219&lon=13.4132&radius_m=500');
  await assertAccessible(page, 'the alerts page for a place');

  // No address: the field says so and gets the focus; nothing is sent.
  await page.click('#alert-form button[type=submit]');
  assert.match(await page.textContent('#email-error'), /E-Mail-Adresse/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'email');
  await assertAccessible(page, 'the alerts page with a field error');

  // A category narrows the selection and its feed.
  await page.selectOption('#category', 'street_lighting');
  await page.waitForFunction(() => document.querySelector('#feed-link').href.includes('category=street_lighting'));
  assert.match(await page.textContent('#selection'), /Kategorie „Straßenbeleuchtung“/);
  await page.fill('#email', 'anwohnerin@example.org');
  await page.press('#email', 'Enter');
  await page.waitForSelector('#alert-result .success');
  assert.match(await page.textContent('#alert-result'), /Bestätigungslink/);
  await assertAccessible(page, 'the alerts page after subscribing');
  await screenshot(page, 'alerts-subscribed');
  assertClean(page);
  await page.context().close();
});

test('the map and an authority link the alerts; an unknown key is named at its field, on a phone', async () => {
  const page = await openPage(browser, PHONE);
  await page.goto('/');
  await page.click('a[href="/alerts.html"]');
  await page.waitForURL(/\/alerts\.html$/);
  await page.waitForSelector('#selection:not(:empty)');
  await assertAccessible(page, 'the alerts page without a selection (phone)');

  await page.goto('/authority.html?key=11000001');
  await page.waitForSelector('#authority:not([hidden])');
  const feed = '/api/v1/feeds/reports.atom?authority=11000001';
  assert.equal(await page.getAttribute('#authority-feed', 'href'), feed);
  assert.equal(await page.getAttribute('link[rel=alternate][type="application/atom+xml"]', 'href'), feed);
  await assertAccessible(page, 'an authority with its feed links (phone)');
  await page.click('#authority-alerts');
  await page.waitForURL(/\/alerts\.html\?authority=11000001$/);
  await page.waitForSelector('#feed-link:not([hidden])');
  assert.match(await page.textContent('#selection'), /beim Bezirksamt Mitte/);

  // A Gemeinde key nobody has: the selection says so, and so does the field after sending.
  await page.check('#scope-area');
  await page.fill('#area', '12999999');
  await page.press('#area', 'Tab');
  await page.waitForFunction(() => /keine Gemeinde/.test(document.querySelector('#selection').textContent));
  assert.equal(await page.isHidden('#feed-link'), true);
  await page.fill('#email', 'anwohner@example.org');
  await page.click('#alert-form button[type=submit]');
  await page.waitForSelector('#area-error:not([hidden])');
  assert.match(await page.textContent('#area-error'), /keine Gemeinde/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'area');
  await assertAccessible(page, 'the alerts page refusing an unknown key (phone)');
  await screenshot(page, 'alerts-refused-phone');
  assertClean(page, ['status of 422']);
  await page.context().close();
});
