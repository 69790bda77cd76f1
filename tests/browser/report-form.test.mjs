// The citizen's report form (web/new.html): filing with the map and a photo, the live
// responsibility, nearby reports, the preview, errors next to their fields, the phone, and the
// whole form by keyboard alone without the map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, assertClean, assertAccessible, screenshot, api, adminHeaders,
  filePublishedReport, makeJpeg, DESKTOP, PHONE,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The report as a clerk sees it (with photos and contact), to check what was filed. */
async function filedReport(page) {
  const href = await page.locator('#tracking-link').getAttribute('href');
  const id = new URL(href, 'http://x').searchParams.get('id');
  return api('GET', `/api/v1/admin/reports/${id}`, undefined, await adminHeaders());
}

test('filing with the map and a photo, with responsibility, nearby reports and preview', async () => {
  // An open report of the same category a few metres away: the form must point at it.
  const existing = await filePublishedReport({ lat: 52.52005, lon: 13.40495, description: 'Tiefes Schlagloch am Rand' });
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html');
  await page.waitForSelector('#map.leaflet-container');
  await assertAccessible(page, 'the empty form');
  await screenshot(page, 'form-desktop-empty');

  // The map is centred on the service area; zoom into Berlin-Mitte and tap.
  await page.fill('#lat', '52.52');
  await page.fill('#lon', '13.405');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'));
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + box.width / 2 + 3, box.y + box.height / 2 + 3);
  await page.waitForFunction(() => document.getElementById('lat').value !== '52.52');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'));

  await page.selectOption('#category', 'roads_paths');
  await page.waitForSelector(`#nearby a[href="/report.html?id=${existing.id}"]`);
  await page.fill('#description', 'Großes Schlagloch auf dem Radweg, etwa 30 cm breit.');
  await page.fill('#address', 'Rathausstraße vor Hausnummer 15');
  await page.fill('#email', 'anna@example.org');
  await page.setInputFiles('#photos', await makeJpeg(page, 3000, 2000));
  await page.waitForSelector('#photo-list img');
  await assertAccessible(page, 'the filled form');
  await screenshot(page, 'form-desktop-filled');

  await page.click('#to-preview');
  await page.waitForSelector('#preview:not([hidden])');
  const preview = await page.locator('#preview').innerText();
  assert.match(preview, /Großes Schlagloch auf dem Radweg/);
  assert.match(preview, /Rathausstraße vor Hausnummer 15/);
  assert.match(preview, /Bezirksamt Mitte/);
  assert.doesNotMatch(preview, /anna@example\.org/, 'the email address is not public');
  assert.equal(await page.locator('#preview-body img').count(), 1);
  await assertAccessible(page, 'the preview');
  await screenshot(page, 'form-desktop-preview');

  await page.click('#send');
  await page.waitForSelector('#done:not([hidden])');
  assert.match(await page.locator('#done').innerText(), /Bezirksamt Mitte/);
  await assertAccessible(page, 'the success page');
  await screenshot(page, 'form-desktop-done');

  const filed = await filedReport(page);
  assert.equal(filed.category.code ?? filed.category, 'roads_paths');
  assert.equal(filed.authority.key, '11000001');
  assert.equal(filed.photos.length, 1);
  // Made smaller in the browser: the service's web size is at most 1600 px anyway.
  assert.ok(filed.photos[0].width <= 1600 && filed.photos[0].height <= 1600);
  assert.equal(filed.address, 'Rathausstraße vor Hausnummer 15');
  assertClean(page);
  await page.context().close();
});

test('errors appear next to their fields, from the form and from the service', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html');
  await page.waitForSelector('#category option[value=roads_paths]', { state: 'attached' });
  await page.click('#to-preview');
  for (const field of ['lat', 'category', 'description']) {
    assert.equal(await page.locator(`#${field}-error`).isVisible(), true, `${field} error shown`);
    assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lat', 'focus on the first error');
  await assertAccessible(page, 'the form with errors');
  await screenshot(page, 'form-desktop-errors');

  // Hamburg: the service says it is outside; the message sits at the coordinates.
  await page.fill('#lat', '53,5511');
  await page.fill('#lon', '9,9937');
  await page.selectOption('#category', 'roads_paths');
  await page.fill('#description', 'Schlagloch in Hamburg');
  await page.click('#to-preview');
  await page.click('#send');
  await page.waitForSelector('#lat-error:not([hidden])');
  assert.match(await page.locator('#lat-error').innerText(), /außerhalb|outside/i);
  assertClean(page, ['status of 422']);
  await page.context().close();
});

test('the whole form by keyboard alone, without the map, in English', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html?lang=en');
  await page.waitForSelector('#category option[value=street_lighting]', { state: 'attached' });
  assert.equal(await page.locator('h1').innerText(), 'Report a problem');
  // Tab from the top of the page until the latitude field has the focus.
  await page.locator('body').focus();
  for (let i = 0; i < 40 && await page.evaluate(() => document.activeElement.id) !== 'lat'; i += 1) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lat', 'latitude reachable by Tab');
  await page.keyboard.type('52.5219');
  await page.keyboard.press('Tab');
  await page.keyboard.type('13.4132');
  await page.keyboard.press('Tab'); // address
  await page.keyboard.type('Alexanderplatz');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'));
  await page.keyboard.press('Tab'); // category
  assert.equal(await page.evaluate(() => document.activeElement.id), 'category');
  // A closed select takes arrow keys: walk down to street lighting.
  for (let i = 0; i < 30 && await page.locator('#category').inputValue() !== 'street_lighting'; i += 1) {
    await page.keyboard.press('ArrowDown');
  }
  assert.equal(await page.locator('#category').inputValue(), 'street_lighting');
  // Open reports of the category nearby (other tests file some) are links between the
  // category and the text: once the lookup is done, Tab passes them on to the description.
  await page.waitForSelector('#nearby:not([aria-busy])', { state: 'attached' });
  for (let i = 0; i < 8 && await page.evaluate(() => document.activeElement.id) !== 'description'; i += 1) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'description');
  await page.keyboard.type('Street light out since Monday.');
  await page.keyboard.press('Enter'); // a line break in the text area, not a submit
  // On to the preview button and press it.
  for (let i = 0; i < 20 && await page.evaluate(() => document.activeElement.id) !== 'to-preview'; i += 1) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('#preview:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'preview', 'focus moves to the preview');
  for (let i = 0; i < 10 && await page.evaluate(() => document.activeElement.id) !== 'send'; i += 1) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('#done:not([hidden])');
  assert.match(await page.locator('#done').innerText(), /Your report has reached Bezirksamt Mitte/);
  const filed = await filedReport(page);
  assert.equal(filed.description, 'Street light out since Monday.');
  assertClean(page);
  await page.context().close();
});

test('filing on a phone: tap the map, take a photo', async () => {
  const page = await openPage(browser, PHONE);
  await page.goto('/new.html');
  await page.waitForSelector('#map.leaflet-container');
  await page.fill('#lat', '52.4');
  await page.fill('#lon', '13.06');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Potsdam'));
  // Tab took the page down to the address field; the map is above it, as a thumb would scroll.
  await page.locator('#map').scrollIntoViewIfNeeded();
  const box = await page.locator('#map').boundingBox();
  // Beside the pin (its icon covers the centre and the 41 px above it).
  await page.touchscreen.tap(box.x + box.width / 2 - 60, box.y + box.height / 2 + 40);
  await page.waitForFunction(() => document.getElementById('lat').value !== '52.4');
  await page.selectOption('#category', 'street_lighting');
  await page.fill('#description', 'Laterne defekt');
  await page.setInputFiles('#photos', await makeJpeg(page, 1000, 1400, 'laterne.jpg'));
  await page.waitForSelector('#photo-list img');
  await assertAccessible(page, 'the form on a phone');
  await screenshot(page, 'form-phone-filled');
  await page.click('#to-preview');
  await page.click('#send');
  await page.waitForSelector('#done:not([hidden])');
  await screenshot(page, 'form-phone-done');
  const filed = await filedReport(page);
  assert.equal(filed.photos.length, 1);
  assertClean(page);
  await page.context().close();
});
