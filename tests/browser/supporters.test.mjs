// "Me too" in a real browser: the button and the count on an open report's page (anonymous,
// then with an address and following), the count alone on a handled report, and the list
// sorted by supporters; axe-core on every state.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  adminHeaders, api, assertAccessible, assertClean, filePublishedReport, launch, openPage, screenshot,
} from './lib.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('"Ich auch" counts a voice at once, or after the address is confirmed', async () => {
  const report = await filePublishedReport({ lat: 52.5231, lon: 13.4105, description: 'Laterne am Spielplatz dunkel' });
  const page = await openPage(browser);
  await page.goto(`/report.html?id=${report.id}`);
  await page.waitForSelector('#support-section:not([hidden])');
  assert.match(await page.textContent('#support-count'), /Noch niemand/);
  await assertAccessible(page, 'report page with "me too"');

  // Anonymous: counted at once, the count on the page follows.
  const counted = page.waitForResponse((r) => r.url().endsWith('/supporters'));
  await page.click('#support-button');
  assert.equal((await counted).status(), 201);
  await page.waitForSelector('#support-result .success');
  assert.match(await page.textContent('#support-count'), /1 Person sagt „Ich auch“/);
  await assertAccessible(page, 'report page after "me too"');

  // Following needs an address: refused at the field, before any request.
  await page.check('#support-follow');
  await page.click('#support-button');
  assert.match(await page.textContent('#support-email-error'), /E-Mail-Adresse/);
  assert.equal(await page.getAttribute('#support-email', 'aria-invalid'), 'true');
  await assertAccessible(page, 'report page with the "me too" field error');

  // With an address: a confirmation mail; the count waits for it.
  await page.fill('#support-email', 'berta.beispiel@example.org');
  const accepted = page.waitForResponse((r) => r.url().endsWith('/supporters'));
  await page.click('#support-button');
  assert.equal((await accepted).status(), 202);
  await page.waitForFunction(() => /Bestätigungslink/.test(document.querySelector('#support-result').textContent));
  assert.match(await page.textContent('#support-count'), /1 Person/);
  await screenshot(page, 'public-report-me-too');
  assertClean(page);
  await page.context().close();

  // The list sorted by supporters puts it first and says how many.
  const list = await openPage(browser);
  await list.goto('/?sort=supporters');
  await list.waitForSelector('#report-list .report-item');
  assert.equal(await list.inputValue('#sort'), 'supporters');
  const first = list.locator('#report-list .report-item').first();
  assert.match(await first.textContent(), /Person(en)? sag(t|en) „Ich auch“/);
  await assertAccessible(list, 'list sorted by supporters');
  assertClean(list);
  await list.context().close();
});

test('a handled report shows its count but takes no more voices', async () => {
  const report = await filePublishedReport({ lat: 52.5233, lon: 13.4107, description: 'Gehweg geflickt' });
  await api('POST', `/api/v1/reports/${report.id}/supporters`, {});
  await api('POST', `/api/v1/admin/reports/${report.id}/status`, { status: 'resolved', answer: 'Repariert.' },
    await adminHeaders());
  const page = await openPage(browser);
  await page.goto(`/report.html?id=${report.id}`);
  await page.waitForSelector('#support-section:not([hidden])');
  assert.match(await page.textContent('#support-count'), /1 Person sagt „Ich auch“/);
  assert.equal(await page.isHidden('#support-form'), true);
  await assertAccessible(page, 'resolved report with its count');
  assertClean(page);
  await page.context().close();
});
