// The clerk workspace (web/clerk/): log-in with a wrong and a right password, the inbox with a
// filter, a report through every clerk action (publish, answer with a template, status, an
// internal note that stays internal, moderating the text and a photo, duplicate, reopen,
// forward), log-out, the mail link that leads through the log-in back to the report, and the
// same work on a phone. axe-core checks every state visited; screenshots are named clerk-….
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage as openPlainPage, assertClean, assertAccessible, screenshot,
  api, adminHeaders, fileReport as fileAnyReport, makeJpeg, BASE_URL, CLERK, DESKTOP, PHONE,
} from './lib.mjs';


/** A page that also notes the URL of every error answer, so a failure names the request. */
async function openPage(browserInstance, options) {
  const page = await openPlainPage(browserInstance, options);
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`answer ${r.status()} ${r.url()}`); });
  return page;
}

/** Reports of this run are road damage in Berlin-Mitte unless told otherwise. */
function fileReport(fields = {}) {
  return fileAnyReport({ category: 'roads_paths', ...fields });
}

let browser;
/** Reports these tests made public; hidden again at the end (see `after`). */
const published = new Set();
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  // The public pages' tests run against the same server and count what the map and the
  // statistics of Mitte show: leave nothing public behind.
  for (const id of published) {
    const report = await clerkView(id);
    if (report.visibility === 'published') {
      await api('POST', `/api/v1/admin/reports/${id}/hide`, { reason: 'clerk tests are done' }, await adminHeaders());
    }
  }
});

// Signed out, GET /me answers 401 and so does a wrong password; chromium logs both as a failed
// resource. The pages handle them on purpose (the log-in form, the error message).
const EXPECTED_401 = ['status of 401', 'answer 401'];

/** A word only this run's reports contain, so the inbox filter finds exactly them. */
const RUN = `T${Date.now().toString(36)}`;

async function signIn(page, password = CLERK.password) {
  await page.fill('#login-email', CLERK.email);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

/** Opens an action's section (a <details>) by its summary, as a clerk would tap it. */
async function openAction(page, id) {
  // A fresh start for `outcome`, so it never reads the previous action's message.
  await page.evaluate(() => document.getElementById('action-status').replaceChildren());
  const details = page.locator(`#${id}`);
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  await page.waitForFunction((i) => document.getElementById(i).open, id);
}

/** Waits for the status region to announce `text` (the outcome of an action). */
async function outcome(page, text) {
  await page.waitForFunction((t) => document.getElementById('action-status').textContent.includes(t), text);
}

async function clerkView(id) {
  return api('GET', `/api/v1/admin/reports/${id}`, undefined, await adminHeaders());
}

test('desktop: log-in, inbox, every action on a report, log-out, mail link', async () => {
  const main = await fileReport({ description: `Schlagloch ${RUN} vor Hausnummer 12, Herr Meier wohnt dort` });
  const second = await fileReport({ lat: 52.52195, lon: 13.41325, description: `Noch ein Schlagloch ${RUN} am selben Ort` });
  const third = await fileReport({ lat: 52.5218, lon: 13.4130, description: `Laterne ${RUN} gehört zu Kreuzberg` });
  published.add(main.id).add(second.id);

  const page = await openPage(browser, DESKTOP);
  await page.goto('/clerk/');
  await page.waitForSelector('#login-section:not([hidden])');
  await assertAccessible(page, 'the log-in form');
  await screenshot(page, 'clerk-login-desktop');

  // A wrong password: the service's message appears in the form, focus goes to it.
  await signIn(page, 'wrong-password-123');
  await page.waitForSelector('#login-error:not([hidden])');
  assert.match(await page.locator('#login-error').innerText(), /\S/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-error');
  await assertAccessible(page, 'the log-in form with an error');
  await screenshot(page, 'clerk-login-error-desktop');

  // The right password: the inbox of Bezirksamt Mitte.
  await signIn(page);
  await page.waitForSelector('#inbox-section:not([hidden])');
  assert.match(await page.locator('#signed-in-as').innerText(), /Erika Muster/);
  await page.waitForSelector(`#inbox-list a[href="/clerk/report.html?id=${main.id}"]`);

  // Filter: only this run's reports awaiting moderation.
  await page.fill('#f-q', RUN);
  await page.selectOption('#f-visibility', 'pending');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction((run) => new URL(location.href).searchParams.get('q') === run
    && document.querySelectorAll('#inbox-list > li').length === 3, RUN);
  const items = await page.locator('#inbox-list > li').allInnerTexts();
  assert.ok(items.every((t) => t.includes(RUN)), 'only matching reports are listed');
  assert.ok(items.every((t) => /Zu prüfen/.test(t)), 'each item says it awaits moderation');
  assert.ok(items.every((t) => /Rot: eingegangen/.test(t)), 'each item names its light');
  assert.match(await page.locator('#counts').innerText(), /eingegangen: 3/);
  // Oldest first by default: the first filed report leads.
  assert.equal(await page.locator('#inbox-list > li a').first().getAttribute('href'), `/clerk/report.html?id=${main.id}`);
  await assertAccessible(page, 'the filtered inbox');
  await screenshot(page, 'clerk-inbox-desktop');

  // A filter that matches nothing says so: none of the new reports is hidden, or overdue
  // (their deadline is days away).
  await page.selectOption('#f-visibility', 'hidden');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => document.getElementById('inbox-status').textContent.includes('Keine Meldungen'));
  await page.selectOption('#f-visibility', 'pending');
  await page.check('#f-overdue');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('overdue') === 'true'
    && document.getElementById('inbox-status').textContent.includes('Keine Meldungen'));
  await page.goBack();
  await page.waitForFunction(() => !document.getElementById('f-overdue').checked);
  await page.goBack();
  await page.waitForFunction(() => document.querySelectorAll('#inbox-list > li').length === 3);

  // Open the report.
  await page.click(`#inbox-list a[href="/clerk/report.html?id=${main.id}"]`);
  await page.waitForSelector('#report:not([hidden])');
  assert.match(await page.locator('#report-title').innerText(), /Mitte/);
  assert.match(await page.locator('#report-flags').innerText(), /Zu prüfen/);
  assert.match(await page.locator('#report-facts').innerText(), /Bezirksamt Mitte/);
  assert.match(await page.locator('#report-history').innerText(), /Eingegangen/);
  await assertAccessible(page, 'the report view');
  await screenshot(page, 'clerk-report-desktop');

  // Publish.
  await openAction(page, 'act-moderate');
  await page.click('#publish-submit');
  await outcome(page, 'veröffentlicht');
  assert.match(await page.locator('#report-flags').innerText(), /Veröffentlicht/);
  assert.ok(await page.locator('#publish-form').isHidden(), 'publish is gone once published');
  await api('GET', `/api/v1/reports/${main.id}`); // public now
  await assertAccessible(page, 'after publishing');

  // Answer publicly with a template.
  await openAction(page, 'act-answer');
  const templates = await page.locator('#answer-template option').allInnerTexts();
  const label = templates.find((t) => t.startsWith('in Bearbeitung (deutsch)'));
  assert.ok(label, `a German in-progress template is offered: ${templates}`);
  await page.selectOption('#answer-template', { label });
  const templateText = await page.locator('#answer-text').inputValue();
  assert.ok(templateText.length > 10, 'the template fills the answer');
  await page.click('#answer-submit');
  await outcome(page, 'Antwort ist veröffentlicht');
  assert.ok((await page.locator('#report-history').innerText()).includes(templateText.trim().slice(0, 40)));
  let pub = await api('GET', `/api/v1/reports/${main.id}`);
  assert.ok(pub.history.some((h) => h.text === templateText.trim()), 'the answer is public');
  await assertAccessible(page, 'after answering');

  // Status: in progress (yellow).
  await openAction(page, 'act-status');
  const moves = await page.locator('#status-status option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(moves, ['in_progress', 'resolved', 'closed']);
  await page.selectOption('#status-status', 'in_progress');
  await page.fill('#status-answer', 'Wir kümmern uns in dieser Woche darum.');
  await page.click('#status-submit');
  await outcome(page, 'Status geändert');
  assert.match(await page.locator('#report-flags').innerText(), /Gelb: in Bearbeitung/);
  pub = await api('GET', `/api/v1/reports/${main.id}`);
  assert.equal(pub.status, 'in_progress');

  // Closing with "another body is responsible" asks who is, next to the field.
  await page.selectOption('#status-status', 'closed');
  await page.selectOption('#status-reason', 'not_responsible');
  assert.ok(await page.locator('#status-responsible').isVisible());
  await page.click('#status-submit');
  await page.waitForSelector('#status-responsible-error:not([hidden])');
  assert.equal(await page.locator('#status-responsible').getAttribute('aria-invalid'), 'true');
  await assertAccessible(page, 'a field error in the status form');
  await page.selectOption('#status-status', 'resolved');

  // An internal note: in the clerk's history, marked internal, never public.
  const note = `Interne Notiz ${RUN}: Bauhof informiert`;
  await openAction(page, 'act-note');
  await page.fill('#note-text', note);
  await page.click('#note-submit');
  await outcome(page, 'Notiz ist gespeichert');
  const noteItem = page.locator('#report-history li', { hasText: note });
  assert.match(await noteItem.innerText(), /intern/);
  const publicText = JSON.stringify(await api('GET', `/api/v1/reports/${main.id}`));
  assert.ok(!publicText.includes(note), 'the note is not in the public report');
  assert.ok(!publicText.includes('Bauhof'), 'nor any part of it');

  // Moderate the text: remove the personal name; the original stays for clerks.
  await openAction(page, 'act-description');
  assert.match(await page.locator('#description-description').inputValue(), /Herr Meier/);
  const cleaned = `Schlagloch ${RUN} vor Hausnummer 12`;
  await page.fill('#description-description', cleaned);
  await page.click('#description-submit');
  await outcome(page, 'öffentliche Text ist geändert');
  assert.equal(await page.locator('#report-description').innerText(), cleaned);
  assert.match(await page.locator('#report-original').innerText(), /Herr Meier/);
  pub = await api('GET', `/api/v1/reports/${main.id}`);
  assert.equal(pub.description, cleaned);
  assert.ok(!JSON.stringify(pub).includes('Meier'));
  await assertAccessible(page, 'after the text edit');
  await screenshot(page, 'clerk-report-worked-desktop');

  // A conflict the service refuses (409): publishing twice, from a stale second tab.
  const stale = await page.context().newPage();
  stale.problems = [];
  await stale.goto(`/clerk/report.html?id=${second.id}`);
  await stale.waitForSelector('#report:not([hidden])');
  await api('POST', `/api/v1/admin/reports/${second.id}/publish`, undefined, await adminHeaders());
  await openAction(stale, 'act-moderate');
  await stale.click('#publish-submit');
  await stale.waitForSelector('#publish-error:not([hidden])');
  assert.match(await stale.locator('#publish-error').innerText(), /nicht möglich/);
  await stale.close();

  // Duplicate: the second report, with the first suggested as the original nearby.
  await page.goto(`/clerk/report.html?id=${second.id}`);
  await page.waitForSelector('#report:not([hidden])');
  await openAction(page, 'act-duplicate');
  const candidate = page.locator('#duplicate-candidates button', { hasText: main.id.slice(-8) });
  await candidate.click();
  assert.equal(await page.locator('#duplicate-of').inputValue(), main.id);
  await assertAccessible(page, 'the duplicate form with suggestions');
  await page.click('#duplicate-submit');
  await outcome(page, 'Duplikat');
  assert.match(await page.locator('#report-flags').innerText(), /Gelb-Grün/);
  assert.match(await page.locator('#report-facts').innerText(), /bereits gemeldet/);
  assert.ok(await page.locator('#act-duplicate').isHidden());
  assert.deepEqual((await clerkView(main.id)).duplicates, [second.id]);

  // Reopen it (red again), with a public reason.
  await openAction(page, 'act-reopen');
  await page.fill('#reopen-reason', 'Doch ein eigener Schaden, zwei Meter weiter.');
  await page.click('#reopen-submit');
  await outcome(page, 'wieder geöffnet');
  assert.match(await page.locator('#report-flags').innerText(), /Rot: eingegangen/);
  assert.ok(await page.locator('#act-reopen').isHidden());
  assert.equal((await clerkView(second.id)).status, 'open');
  await assertAccessible(page, 'after reopening');

  // The third report is about a street light: fix its category, then forward it to
  // Friedrichshain-Kreuzberg; Mitte no longer has it.
  await page.goto(`/clerk/report.html?id=${third.id}`);
  await page.waitForSelector('#report:not([hidden])');
  await openAction(page, 'act-category');
  await page.selectOption('#category-category', 'street_lighting');
  await page.click('#category-submit');
  await outcome(page, 'Kategorie geändert');
  assert.equal((await clerkView(third.id)).category.code, 'street_lighting');
  assert.equal(await page.locator('#category-category').inputValue(), 'street_lighting');
  await openAction(page, 'act-forward');
  // Without a key the form says so next to the field.
  await page.fill('#forward-reason', 'Liegt auf der Kreuzberger Seite der Straße.');
  await page.click('#forward-submit');
  await page.waitForSelector('#forward-authority-error:not([hidden])');
  // The suggestions list the authorities around the place; take the neighbour's.
  await page.waitForSelector('#forward-candidates[data-loaded]');
  await page.click('#forward-candidates button:has-text("(11000002)")');
  assert.equal(await page.locator('#forward-authority').inputValue(), '11000002');
  assert.ok(await page.locator('#forward-authority-error').isHidden());
  await assertAccessible(page, 'the forward form with suggestions');
  await screenshot(page, 'clerk-forward-desktop');
  await page.click('#forward-submit');
  await outcome(page, 'Weitergeleitet an ');
  assert.match(await page.locator('#action-status').innerText(), /Friedrichshain-Kreuzberg \(11000002\)/);
  assert.ok(await page.locator('#report').isHidden());
  const forwarded = await clerkView(third.id);
  assert.equal(forwarded.authority.key, '11000002');
  assert.ok(forwarded.events.some((e) => e.kind === 'forward_reason' && !e.public));
  await assertAccessible(page, 'after forwarding');
  await screenshot(page, 'clerk-forwarded-desktop');

  // Log out: back to the log-in form; the inbox is closed.
  await page.goto('/clerk/');
  await page.waitForSelector('#inbox-section:not([hidden])');
  await page.click('#logout');
  await page.waitForSelector('#login-section:not([hidden])');
  assert.match(await page.locator('#login-status').innerText(), /abgemeldet/);
  const me = await page.evaluate(async () => {
    const answer = await fetch('/api/v1/admin/me');
    await answer.text(); // read to the end, or leaving the page aborts it
    return answer.status;
  });
  assert.equal(me, 401);

  // The link from a mail, signed out: log in, then straight back to the report.
  await page.goto(`/clerk/report.html?id=${main.id}`);
  await page.waitForSelector('#login-section:not([hidden])');
  assert.ok(await page.locator('#login-next').isVisible(), 'the page says why to sign in');
  await assertAccessible(page, 'the log-in from a mail link');
  await signIn(page);
  await page.waitForURL(`${BASE_URL}/clerk/report.html?id=${main.id}`);
  await page.waitForSelector('#report:not([hidden])');
  assert.equal(await page.locator('#report-description').innerText(), cleaned);

  assertClean(page, EXPECTED_401);
});

test('english: the workspace switches language', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/clerk/?lang=en');
  await page.waitForSelector('#login-section:not([hidden])');
  assert.equal(await page.locator('#login-title').innerText(), 'Sign in for authorities');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await signIn(page);
  await page.waitForSelector('#inbox-section:not([hidden])');
  assert.equal(await page.locator('#inbox-title').innerText(), 'Inbox');
  await assertAccessible(page, 'the English inbox');
  assertClean(page, EXPECTED_401);
});

test('phone: inbox, a report with a photo, moderation and status in the field', async () => {
  const page = await openPage(browser, PHONE);
  // A report with a photo, filed as a citizen would (multipart).
  const jpeg = await makeJpeg(page);
  const form = new FormData();
  form.set('category', 'roads_paths');
  form.set('description', `Schlagloch mit Foto ${RUN}`);
  form.set('lat', '52.52185');
  form.set('lon', '13.41315');
  form.set('address', 'Alexanderstraße 3');
  form.append('photo', new Blob([jpeg.buffer], { type: 'image/jpeg' }), jpeg.name);
  const filed = await fetch(new URL('/api/v1/reports', BASE_URL), { method: 'POST', body: form });
  assert.equal(filed.status, 201, await filed.clone().text());
  const report = await filed.json();
  published.add(report.id);

  await page.goto(`/clerk/?q=${RUN}&status=`);
  await page.waitForSelector('#login-section:not([hidden])');
  await assertAccessible(page, 'the log-in on a phone');
  await screenshot(page, 'clerk-login-phone');
  await signIn(page);
  await page.waitForSelector(`#inbox-list a[href="/clerk/report.html?id=${report.id}"]`);
  assert.equal(await page.locator('#f-q').inputValue(), RUN, 'the filter from the address is applied');
  await assertAccessible(page, 'the inbox on a phone');
  await screenshot(page, 'clerk-inbox-phone');
  // No sideways scrolling on the phone.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));

  await page.tap(`#inbox-list a[href="/clerk/report.html?id=${report.id}"]`);
  await page.waitForSelector('#report:not([hidden])');
  // Moderation sees the photo before it releases it; the public does not.
  await page.waitForFunction(() => {
    const img = document.querySelector('#report-photos img');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.equal((await fetch(new URL(`/api/v1/photos/${(await clerkView(report.id)).photos[0].id}/thumb`, BASE_URL))).status, 404);
  await assertAccessible(page, 'the report on a phone');
  await screenshot(page, 'clerk-report-phone');

  // Publish, then release the photo: the thumbnail appears.
  await openAction(page, 'act-moderate');
  await page.tap('#publish-submit');
  await outcome(page, 'veröffentlicht');
  await page.tap('#report-photos button');
  await outcome(page, 'Foto ist freigegeben');
  await page.waitForFunction(() => {
    const img = document.querySelector('#report-photos img');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.equal((await api('GET', `/api/v1/reports/${report.id}`)).photos.length, 1, 'the photo is public');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.photo), (await clerkView(report.id)).photos[0].id,
    'focus stays on the photo\'s button');

  // Status "in progress" with the template text, all by tapping.
  await openAction(page, 'act-status');
  await page.selectOption('#status-status', 'in_progress');
  const templates = await page.locator('#status-template option').allInnerTexts();
  await page.selectOption('#status-template', { label: templates.find((t) => t.startsWith('in Bearbeitung (deutsch)')) });
  await page.tap('#status-submit');
  await outcome(page, 'Status geändert');
  assert.match(await page.locator('#report-flags').innerText(), /Gelb: in Bearbeitung/);
  // The outcome stays in view after scrolling down to the actions.
  const box = await page.locator('#action-status').boundingBox();
  assert.ok(box.y >= -1 && box.y < 844, 'the outcome is on screen');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
  await assertAccessible(page, 'the report on a phone after the status change');
  await screenshot(page, 'clerk-report-worked-phone');

  // Hide the photo again.
  await page.tap('#report-photos button');
  await outcome(page, 'Foto ist verborgen');
  assert.equal((await api('GET', `/api/v1/reports/${report.id}`)).photos.length, 0);

  // Hide the whole report, with an internal reason: gone from the public API.
  await openAction(page, 'act-moderate');
  await page.fill('#hide-reason', 'Foto zeigt ein Autokennzeichen.');
  await page.tap('#hide-submit');
  await outcome(page, 'Meldung ist für die Öffentlichkeit verborgen');
  assert.match(await page.locator('#report-flags').innerText(), /Verborgen/);
  assert.ok(await page.locator('#hide-form').isHidden());
  assert.ok(await page.locator('#publish-form').isVisible(), 'it can be published again');
  assert.equal((await fetch(new URL(`/api/v1/reports/${report.id}`, BASE_URL))).status, 404);
  assertClean(page, EXPECTED_401);
});

test('paging: "load more" appends the next page and moves focus to it', async () => {
  const token = `P${RUN}`;
  for (let i = 0; i < 27; i++) await fileReport({ description: `Seite ${token} Nummer ${i}` });
  const page = await openPage(browser, DESKTOP);
  await page.goto(`/clerk/?q=${token}`);
  await signIn(page);
  await page.waitForFunction(() => document.querySelectorAll('#inbox-list > li').length === 25);
  assert.match(await page.locator('#inbox-status').innerText(), /25 Meldungen angezeigt, weitere vorhanden/);
  assert.match(await page.locator('#counts').innerText(), /eingegangen: 27/);
  await page.click('#more');
  await page.waitForFunction(() => document.querySelectorAll('#inbox-list > li').length === 27);
  assert.ok(await page.locator('#more').isHidden(), 'no further page');
  assert.match(await page.evaluate(() => document.activeElement.textContent), new RegExp(`Seite ${token} Nummer 25`));
  await assertAccessible(page, 'the inbox after "load more"');
  assertClean(page, EXPECTED_401);
});

test('keyboard: log-in and an action without a mouse', async () => {
  const target = await fileReport({ description: `Tastatur ${RUN} Schlagloch` });
  const page = await openPage(browser, DESKTOP);
  await page.goto(`/clerk/report.html?id=${target.id}`);
  await page.waitForSelector('#login-section:not([hidden])');
  await page.focus('#login-email');
  await page.keyboard.type(CLERK.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(CLERK.password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#report:not([hidden])');
  // Summary of the note action: focus it, open with Enter, type, submit with the keyboard.
  await page.focus('#act-note summary');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('act-note').open);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'note-text');
  await page.keyboard.type('Per Tastatur notiert.');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'note-submit');
  await page.keyboard.press('Enter');
  await outcome(page, 'Notiz ist gespeichert');
  assert.match(await page.locator('#report-history').innerText(), /Per Tastatur notiert/);
  assertClean(page, EXPECTED_401);
});
