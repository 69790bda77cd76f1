// Photo redaction and "after" photos in the clerk workspace: marking rectangles with the
// keyboard alone (desktop), with the mouse and a finger on a phone, applying them (the photo
// gets a new id, the history says who and where), and a public answer with a photo that the
// public report page shows beside the answer. axe-core checks every state; screenshots are
// named redaction-….
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage as openPlainPage, assertClean, assertAccessible, screenshot,
  api, adminHeaders, makeJpeg, BASE_URL, CLERK, DESKTOP, PHONE,
} from './lib.mjs';

/** A page that also notes the URL of every error answer, so a failure names the request. */
async function openPage(browserInstance, options) {
  const page = await openPlainPage(browserInstance, options);
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`answer ${r.status()} ${r.url()}`); });
  return page;
}

let browser;
/** Reports these tests made public; hidden again at the end (other tests count Mitte's). */
const published = new Set();
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  for (const id of published) {
    const report = await clerkView(id);
    if (report.visibility === 'published') {
      await api('POST', `/api/v1/admin/reports/${id}/hide`, { reason: 'redaction tests are done' }, await adminHeaders());
    }
  }
});

// Signed out, GET /me answers 401; the page handles it on purpose (the log-in form).
const EXPECTED_401 = ['status of 401', 'answer 401'];
const RUN = `R${Date.now().toString(36)}`;

async function clerkView(id) {
  return api('GET', `/api/v1/admin/reports/${id}`, undefined, await adminHeaders());
}

/** Files a report in Mitte with a 1200 × 900 photo, as a citizen would (multipart). */
async function fileWithPhoto(page, description) {
  const jpeg = await makeJpeg(page);
  const form = new FormData();
  form.set('category', 'roads_paths');
  form.set('description', `${description} ${RUN}`);
  form.set('lat', '52.52185');
  form.set('lon', '13.41315');
  form.append('photo', new Blob([jpeg.buffer], { type: 'image/jpeg' }), jpeg.name);
  const filed = await fetch(new URL('/api/v1/reports', BASE_URL), { method: 'POST', body: form });
  assert.equal(filed.status, 201, await filed.clone().text());
  return filed.json();
}

/** Opens the report page and signs in on the way. */
async function openReport(page, id) {
  await page.goto(`/clerk/report.html?id=${id}`);
  await page.waitForSelector('#login-section:not([hidden])');
  await page.fill('#login-email', CLERK.email);
  await page.fill('#login-password', CLERK.password);
  await page.click('#login-submit');
  await page.waitForSelector('#report:not([hidden])');
}

async function outcome(page, text) {
  await page.waitForFunction((t) => document.getElementById('action-status').textContent.includes(t), text);
}

async function imageLoaded(page, selector) {
  await page.waitForFunction((s) => {
    const img = document.querySelector(s);
    return img && img.complete && img.naturalWidth > 0;
  }, selector);
}

test('keyboard: mark, remove and apply rectangles without a mouse', async () => {
  const page = await openPage(browser, DESKTOP);
  const report = await fileWithPhoto(page, 'Kennzeichen im Bild');
  const original = report.photos[0].id;
  await openReport(page, report.id);

  await page.focus(`[data-redact="${original}"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#redact:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'redact-title');
  await imageLoaded(page, '#redact-image');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'redact-selection');
  await assertAccessible(page, 'the redaction panel');
  await screenshot(page, 'redaction-open-desktop');

  // The photo is 1200 × 900: the box starts as a 180 px square in the middle (510, 360), a
  // key press moves it by 24 px (a 50th of the long side).
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+ArrowDown');
  assert.match(await page.locator('#redact-where').innerText(), /links 582, oben 360, 180 × 228 Pixel/);
  await page.keyboard.press('Enter');
  await outcome(page, 'Bereich 1 hinzugefügt');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await outcome(page, 'Bereich 2 hinzugefügt');
  assert.equal(await page.locator('#redact-list li').count(), 2);
  assert.equal(await page.locator('#redact-marks .redact-mark').count(), 2);

  // Area 2 is one too many: Tab to its remove button, Enter; focus stays in the list.
  await page.focus('#redact-list li:nth-child(2) button');
  await page.keyboard.press('Enter');
  await outcome(page, 'Bereich 2 entfernt');
  assert.equal(await page.locator('#redact-list li').count(), 1);
  assert.match(await page.evaluate(() => document.activeElement.textContent), /Bereich 1 entfernen/);
  await assertAccessible(page, 'the redaction panel with a marked area');
  await screenshot(page, 'redaction-marked-desktop');

  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'redact-apply');
  await page.keyboard.press('Enter');
  await outcome(page, 'unkenntlich gemacht');
  assert.ok(await page.locator('#redact').isHidden(), 'the panel closes');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'action-status');
  const view = await clerkView(report.id);
  assert.notEqual(view.photos[0].id, original, 'the photo has a new id');
  const areas = view.events.find((e) => e.kind === 'redaction_areas');
  assert.ok(areas?.text.includes('582,360 180×228'), JSON.stringify(areas));
  assert.ok(!areas.text.includes(';'), 'one rectangle');
  assert.match(await page.locator('#report-history').innerText(), /Foto unkenntlich gemacht/);
  await imageLoaded(page, '#report-photos img');
  assert.equal(await page.locator('#report-photos img').getAttribute('src'),
    `/api/v1/admin/reports/${report.id}/photos/${view.photos[0].id}/thumb`);
  await assertAccessible(page, 'the report after a redaction');
  await screenshot(page, 'redaction-done-desktop');
  assertClean(page, EXPECTED_401);
});

test('phone: rectangles drawn with the mouse and with a finger', async () => {
  const page = await openPage(browser, PHONE);
  const report = await fileWithPhoto(page, 'Gesicht im Bild');
  const original = report.photos[0].id;
  await openReport(page, report.id);
  await page.tap(`[data-redact="${original}"]`);
  await page.waitForSelector('#redact:not([hidden])');
  await imageLoaded(page, '#redact-image');
  await page.locator('#redact-stage').scrollIntoViewIfNeeded();
  await assertAccessible(page, 'the redaction panel on a phone');
  const box = await page.locator('#redact-image').boundingBox();
  // The photo is shown at the phone's width: one CSS pixel is `scale` photo pixels.
  const scale = 1200 / box.width;

  // The mouse: a drag from 10 % to 30 % of the image.
  const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
  await page.mouse.move(...at(0.1, 0.1));
  await page.mouse.down();
  await page.mouse.move(...at(0.2, 0.2), { steps: 4 });
  await page.mouse.move(...at(0.3, 0.3), { steps: 4 });
  await page.mouse.up();
  await outcome(page, 'Bereich 1 hinzugefügt');

  // A finger: touch events through the DevTools protocol (the page gets touch pointers).
  const cdp = await page.context().newCDPSession(page);
  const touch = (type, [x, y]) => cdp.send('Input.dispatchTouchEvent', {
    type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }],
  });
  await touch('touchStart', at(0.6, 0.5));
  for (const f of [0.65, 0.7, 0.75, 0.8]) await touch('touchMove', at(f, f + 0.05));
  await touch('touchEnd', at(0.8, 0.85));
  await outcome(page, 'Bereich 2 hinzugefügt');
  assert.equal(await page.locator('#redact-list li').count(), 2);
  // The page did not scroll or zoom while the finger drew.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
  await assertAccessible(page, 'two areas drawn on a phone');
  await screenshot(page, 'redaction-drawn-phone');

  await page.tap('#redact-apply');
  await outcome(page, 'unkenntlich gemacht');
  const view = await clerkView(report.id);
  assert.notEqual(view.photos[0].id, original);
  const text = view.events.find((e) => e.kind === 'redaction_areas').text;
  const rects = [...text.matchAll(/(\d+),(\d+) (\d+)×(\d+)/g)].map((m) => m.slice(1).map(Number));
  assert.equal(rects.length, 2, text);
  // Where the drags were, within a few pixels of rounding.
  const near = (value, expected) => Math.abs(value - expected) <= 3 * scale + 2;
  const [mouse, finger] = rects;
  assert.ok(near(mouse[0], 120) && near(mouse[1], 90) && near(mouse[2], 240) && near(mouse[3], 180), `mouse: ${mouse}`);
  assert.ok(near(finger[0], 720) && near(finger[1], 450) && near(finger[2], 240) && near(finger[3], 315), `finger: ${finger}`);
  await assertAccessible(page, 'the report after a redaction on a phone');
  await screenshot(page, 'redaction-done-phone');
  assertClean(page, EXPECTED_401);
});

test('an answer with an "after" photo appears on the public report page', async () => {
  const page = await openPage(browser, DESKTOP);
  const report = await fileWithPhoto(page, 'Schlagloch repariert');
  published.add(report.id);
  await api('POST', `/api/v1/admin/reports/${report.id}/publish`, undefined, await adminHeaders());
  await openReport(page, report.id);
  await page.locator('#act-answer summary').click();
  await page.waitForFunction(() => document.getElementById('act-answer').open);
  await page.fill('#answer-text', 'Das Loch ist verfüllt, siehe Foto.');
  await page.setInputFiles('#answer-photo', await makeJpeg(page, 800, 600, 'nachher.jpg'));
  await assertAccessible(page, 'the answer form with a photo chosen');
  await page.click('#answer-submit');
  await outcome(page, 'mit 1 Foto veröffentlicht');

  const pub = await api('GET', `/api/v1/reports/${report.id}`);
  const answer = pub.history.find((h) => h.kind === 'answer');
  assert.equal(answer.photos.length, 1);
  assert.equal(pub.photos.length, 0, 'the reporter\'s photo is not released yet; the answer\'s is');

  const visitor = await openPage(browser, DESKTOP);
  await visitor.goto(`/report.html?id=${report.id}`);
  await imageLoaded(visitor, '#history .answer-photos img');
  assert.equal(await visitor.locator('#history .answer-photos img').getAttribute('src'), answer.photos[0].thumb_url);
  assert.match(await visitor.locator('#history .answer-photos img').getAttribute('alt'), /Foto 1 von 1 zu diesem Eintrag/);
  await assertAccessible(visitor, 'the public report with an answer photo');
  await screenshot(visitor, 'redaction-after-photo-public');
  assertClean(visitor);
  assertClean(page, EXPECTED_401);
});
