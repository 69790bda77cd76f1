// Filing without signal (web/sw.js, web/js/outbox.js, web/js/outbox-list.js): with playwright's
// offline emulation (which covers the service worker too) a report is kept on the phone, shown
// as waiting, survives a reload served by the service worker, and is filed exactly once with
// its photo when the network returns; a deleted waiting report is never filed; a refusal is
// shown and not tried again by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, assertClean, assertAccessible, screenshot, api, adminHeaders, makeJpeg, PHONE, DESKTOP,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** What an offline page logs on purpose: its requests fail. */
const OFFLINE_NOISE = ['ERR_INTERNET_DISCONNECTED'];

/** The reports whose description contains `text`, as clerks see them (pending ones too). */
async function reportsWith(text) {
  const { reports } = await api('GET', `/api/v1/admin/reports?q=${encodeURIComponent(text)}&limit=50`, undefined, await adminHeaders());
  return reports;
}

/** Opens the form and waits until the service worker has the application and controls the page. */
async function openFormWithWorker(options) {
  const page = await openPage(browser, options);
  await page.goto('/new.html');
  await page.waitForSelector('#category option[value=roads_paths]', { state: 'attached' });
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  return page;
}

/** Fills the form (typed coordinates in Berlin-Mitte) and sends it; offline it is kept. */
async function fileOffline(page, description, { photo = true } = {}) {
  await page.fill('#lat', '52.5219');
  await page.fill('#lon', '13.4132');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => /Ohne Verbindung|Without a connection/.test(document.getElementById('authority').textContent));
  await page.selectOption('#category', 'roads_paths');
  await page.fill('#description', description);
  if (photo) {
    await page.setInputFiles('#photos', await makeJpeg(page, 2400, 1800, 'schlagloch.jpg'));
    await page.waitForSelector('#photo-list img');
  }
  await page.click('#to-preview');
  await page.waitForSelector('#preview:not([hidden])');
  await page.click('#send');
  await page.waitForSelector('#done:not([hidden])');
}

/** The list entry of the kept report with `description`. */
function entry(page, description) {
  return page.locator('#outbox-list li', { hasText: description });
}

test('filed without signal: kept, shown, reloaded offline, sent exactly once with its photo', async () => {
  const page = await openFormWithWorker(PHONE);
  const stamp = Date.now();
  const first = `Offline gemeldet A ${stamp}`;
  const second = `Offline gemeldet B ${stamp}`;
  await page.context().setOffline(true);

  await fileOffline(page, first);
  assert.match(await page.locator('#done').innerText(), /auf diesem Gerät gespeichert/);
  await entry(page, first).filter({ hasText: 'Wartet auf Verbindung' }).waitFor();
  assert.match(await entry(page, first).innerText(), /1 Foto/);
  await assertAccessible(page, 'the form with a report waiting');
  await screenshot(page, 'offline-phone-waiting');

  // A reload without network: the service worker serves the page, and the report still waits.
  const reloaded = await page.reload();
  assert.ok(reloaded.fromServiceWorker(), 'the offline reload is answered by the service worker');
  await page.waitForSelector('#category option[value=roads_paths]', { state: 'attached' });
  await entry(page, first).waitFor();
  assert.match(await page.locator('#outbox-summary').innerText(), /1 Meldung wartet auf Verbindung/);
  await assertAccessible(page, 'the reloaded offline form');

  // A second report on the reloaded page: its thank-you is the one to watch when it goes out.
  await fileOffline(page, second, { photo: false });
  await entry(page, second).waitFor();
  assert.match(await page.locator('#outbox-summary').innerText(), /2 Meldungen warten auf Verbindung/);
  assert.deepEqual(await reportsWith(String(stamp)), [], 'nothing reached the service while offline');

  await page.context().setOffline(false);
  // The page's own report: the same thank-you and reporter's link as a filing sent at once.
  await page.waitForSelector('#tracking-link');
  assert.match(await page.locator('#done').innerText(), /Vielen Dank!/);
  assert.match(await page.locator('#done').innerText(), /beim Bezirksamt Mitte eingegangen/);
  // The earlier one (kept before the reload): in the list as sent, with its link.
  await entry(page, first).locator('a.outbox-link').waitFor();
  assert.match(await entry(page, first).innerText(), /Gesendet – eingegangen beim Bezirksamt Mitte/);
  await assertAccessible(page, 'the thank-you after sending what waited');
  await screenshot(page, 'offline-phone-sent');

  // Exactly once each, the photo with the first; the reporter's link opens the pending report.
  const filedFirst = await reportsWith(first);
  const filedSecond = await reportsWith(second);
  assert.equal(filedFirst.length, 1, 'the first report is filed once');
  assert.equal(filedSecond.length, 1, 'the second report is filed once');
  const full = await api('GET', `/api/v1/admin/reports/${filedFirst[0].id}`, undefined, await adminHeaders());
  assert.equal(full.photos.length, 1, 'the photo came along');
  assert.equal(full.authority.key, '11000001');

  // Sending again (another page load, the `online` event) files nothing more.
  await page.evaluate(() => import('/js/pwa.js').then((m) => m.sendKept()));
  await page.reload();
  await page.waitForSelector('#category option[value=roads_paths]', { state: 'attached' });
  await page.evaluate(() => import('/js/pwa.js').then((m) => m.sendKept()));
  assert.equal((await reportsWith(first)).length, 1);
  assert.equal((await reportsWith(second)).length, 1);

  const link = await entry(page, first).locator('a.outbox-link').getAttribute('href');
  await page.goto(link);
  await page.waitForFunction((text) => document.body.innerText.includes(text), first);
  // Cleared from the list by the citizen.
  await page.goto('/new.html');
  await entry(page, first).getByRole('button', { name: /Aus der Liste entfernen/ }).click();
  await page.waitForSelector('#outbox', { state: 'hidden' });
  assertClean(page, OFFLINE_NOISE);
  await page.context().close();
});

test('a waiting report deleted by the citizen is never filed', async () => {
  const page = await openFormWithWorker(DESKTOP);
  const description = `Offline gelöscht ${Date.now()}`;
  await page.context().setOffline(true);
  await fileOffline(page, description);
  await entry(page, description).waitFor();

  page.once('dialog', (dialog) => dialog.accept());
  await entry(page, description).getByRole('button', { name: /Meldung löschen/ }).click();
  await page.waitForSelector('#outbox', { state: 'hidden' });
  assert.match(await page.locator('#outbox-status').innerText(), /gelöscht und wird nicht gesendet/);
  await assertAccessible(page, 'the form after deleting a waiting report');

  await page.context().setOffline(false);
  const result = await page.evaluate(() => import('/js/pwa.js').then((m) => m.sendKept()));
  assert.deepEqual(result.sent, []);
  assert.equal(result.waiting, 0);
  assert.deepEqual(await reportsWith(description), [], 'the deleted report was not filed');
  assertClean(page, OFFLINE_NOISE);
  await page.context().close();
});

test('a kept report the service refuses is shown with the reason and not sent again by itself', async () => {
  const page = await openFormWithWorker(DESKTOP);
  const description = `Abgelehnt ${Date.now()}`;
  // Kept as an older version of the form might have: a category the service does not know.
  await page.evaluate((text) => import('/js/outbox.js').then((m) => m.queueReport({
    key: crypto.randomUUID(),
    fields: { category: 'no_such_category', description: text, lat: 52.5219, lon: 13.4132, language: 'de' },
    photos: [],
    categoryName: { de: 'Unbekannt', en: 'Unknown' },
  })), description);
  const first = await page.evaluate(() => import('/js/pwa.js').then((m) => m.sendKept()));
  assert.equal(first.refused, 1);
  await entry(page, description).locator('.error').waitFor();
  assert.match(await entry(page, description).innerText(), /Nicht angenommen/);
  await assertAccessible(page, 'the form with a refused report');
  await screenshot(page, 'offline-desktop-refused');
  const again = await page.evaluate(() => import('/js/pwa.js').then((m) => m.sendKept()));
  assert.equal(again.refused, 0, 'a refusal is not retried by itself');
  assert.equal(again.waiting, 0);

  // Back into the form, with the reason at the field; the list entry is gone.
  await entry(page, description).getByRole('button', { name: /Im Formular ändern/ }).click();
  await page.waitForSelector('#outbox', { state: 'hidden' });
  assert.equal(await page.locator('#description').inputValue(), description);
  assert.equal(await page.locator('#form-error').isVisible(), true);
  assertClean(page, ['status of 422', 'status of 400']);
  await page.context().close();
});

test('a kept report goes out with the next page load, whichever page of the site it is', async () => {
  const page = await openFormWithWorker(PHONE);
  const description = `Offline, später gesendet ${Date.now()}`;
  await page.context().setOffline(true);
  await fileOffline(page, description);
  await entry(page, description).waitFor();
  assertClean(page, OFFLINE_NOISE);
  // The page is closed while offline (its `online` listener is gone with it) …
  const context = page.context();
  await page.close();
  await context.setOffline(false);
  assert.deepEqual(await reportsWith(description), []);
  // … and the map page, opened later, sends it.
  const map = await context.newPage();
  await map.goto('/');
  const sentFromMap = () => map.evaluate(async (text) => {
    const { listOutbox } = await import('/js/outbox.js');
    return (await listOutbox()).some((i) => i.fields.description === text && i.state === 'sent');
  }, description);
  for (let i = 0; i < 100 && !await sentFromMap(); i += 1) await map.waitForTimeout(100);
  assert.ok(await sentFromMap(), 'the map page sent the kept report');
  const filed = await reportsWith(description);
  assert.equal(filed.length, 1);
  const full = await api('GET', `/api/v1/admin/reports/${filed[0].id}`, undefined, await adminHeaders());
  assert.equal(full.photos.length, 1);
  // The form lists it as sent, with the reporter's link.
  await map.goto('/new.html');
  await entry(map, description).locator('a.outbox-link').waitFor();
  await assertAccessible(map, 'the form listing a report sent from another page');
  await context.close();
});
