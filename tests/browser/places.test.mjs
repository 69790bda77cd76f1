// The place search (issue 15): on the report form a citizen types "Briesen", picks Briesen
// (Mark) by keyboard, the map zooms there; a tap below street level only zooms in and asks
// again; the tap at street level sets the pin, and the form names the place and the
// authority. On the public map the search moves the map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, assertClean, assertAccessible, screenshot, DESKTOP, PHONE } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('report form: find Briesen, pick it, zoom, set the pin at street level, see the place', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html');
  await page.waitForSelector('#map.leaflet-container');
  await page.waitForSelector('#place-q');

  await page.locator('#place-q').pressSequentially('Briesen');
  await page.waitForSelector('#place-results button:has-text("Briesen (Mark)")');
  const hits = await page.locator('#place-results button').allInnerTexts();
  // Both Gemeinden called Briesen, told apart by their Kreis.
  assert.ok(hits.some((h) => h.includes('Briesen/Brjazyna – Gemeinde') && h.includes('Landkreis Spree-Neiße')), hits.join('\n'));
  assert.ok(hits.some((h) => h.includes('Briesen (Mark) – Gemeinde') && h.includes('Landkreis Oder-Spree')), hits.join('\n'));
  await assertAccessible(page, 'the form with place suggestions');
  await screenshot(page, 'places-form-suggestions');

  // By keyboard: Arrow down into the list, down to Briesen (Mark), Enter.
  await page.locator('#place-q').press('ArrowDown');
  for (let i = 0; i < 8; i += 1) {
    const text = await page.evaluate(() => document.activeElement.textContent);
    if (text.startsWith('Briesen (Mark)')) break;
    await page.keyboard.press('ArrowDown');
  }
  assert.match(await page.evaluate(() => document.activeElement.textContent), /^Briesen \(Mark\)/);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('place-status').textContent.includes('Briesen (Mark)'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'place-q', 'focus back in the field');
  assert.equal(await page.locator('#place-results button').count(), 0);

  // Zoomed to the Gemeinde, not to street level: "pin at the map's centre" only zooms in.
  await page.click('#use-map-centre');
  await page.waitForFunction(() => document.getElementById('pin-hint').textContent.includes('noch einmal'));
  assert.equal(await page.inputValue('#lat'), '', 'no pin below street level');
  await assertAccessible(page, 'the form asking for a tap at street level');

  // Now at street level: the tap sets the pin, in Briesen (Mark).
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + box.width / 2 + 3, box.y + box.height / 2 + 3);
  await page.waitForFunction(() => document.getElementById('lat').value !== '');
  const lat = Number(await page.inputValue('#lat'));
  const lon = Number(await page.inputValue('#lon'));
  assert.ok(lat > 52.29 && lat < 52.40 && lon > 14.19 && lon < 14.35, `pin at ${lat}, ${lon}`);
  assert.equal(await page.locator('#pin-hint').textContent(), '');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Amt Odervorland'));
  const where = await page.locator('#place-words').innerText();
  assert.match(where, /Briesen/);
  assert.match(where, /Gemeinde Briesen \(Mark\)/);
  await assertAccessible(page, 'the form with the pin and its place');
  await screenshot(page, 'places-form-pinned');

  // The preview repeats the place in words.
  await page.selectOption('#category', 'roads_paths');
  await page.fill('#description', 'Schlagloch');
  await page.click('#to-preview');
  await page.waitForSelector('#preview:not([hidden])');
  assert.match(await page.locator('#preview').innerText(), /Gemeinde Briesen \(Mark\)/);

  // The footer credits GeoNames.
  assert.match(await page.locator('#site-footer').innerText(), /Ortsnamen: GeoNames \(geonames\.org\), CC BY 4\.0/);
  assertClean(page);
  await page.context().close();
});

test('public map on a phone: a misspelt search moves the map there', async () => {
  const page = await openPage(browser, PHONE);
  await page.goto('/?lang=en');
  await page.waitForSelector('#map.leaflet-container');
  await page.locator('#place-q').fill('Mueritz');
  await page.locator('#place-q').press('Enter');
  await page.waitForSelector('#place-results button:has-text("Waren (Müritz)")');
  await assertAccessible(page, 'the public map with place suggestions');
  await screenshot(page, 'places-public-phone-suggestions');
  await page.locator('#place-results button:has-text("Waren (Müritz)")').click();
  // The view lives in the address: now around Waren, zoomed in.
  await page.waitForFunction(() => Number(new URLSearchParams(location.search).get('zoom')) >= 10);
  const query = new URL(page.url()).searchParams;
  assert.ok(Math.abs(Number(query.get('lat')) - 53.52) < 0.1, page.url());
  assert.ok(Math.abs(Number(query.get('lon')) - 12.68) < 0.15, page.url());
  assert.match(await page.locator('#place-status').innerText(), /The map shows Waren \(Müritz\)/);
  assertClean(page);
  await page.context().close();
});
