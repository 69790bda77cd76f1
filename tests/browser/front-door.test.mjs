// What the citizen walkthrough of issue 15 stumbled on, and what German public sites must have
// (BITV 2.0): errors that go once corrected, the duplicates row as links, the language switch
// keeping a half-filled form, German names on the map's buttons, plural forms and deadlines in
// words, plain log-in errors, templates for the chosen status only, a notice without
// JavaScript, and the accessibility statement and Leichte Sprache linked from every footer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, assertClean, assertAccessible, screenshot, api, adminHeaders, fileReport,
  filePublishedReport, makeJpeg, CLERK, DESKTOP, PHONE,
} from './lib.mjs';

let browser;
/** Reports made public here; hidden again at the end (the public tests count what is public). */
const published = [];
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  for (const id of published) {
    await api('POST', `/api/v1/admin/reports/${id}/hide`, { reason: 'front-door tests are done' }, await adminHeaders())
      .catch((error) => console.warn(`could not hide ${id}: ${error.message}`));
  }
});

test('an error goes once its field is corrected; a pin from the map clears the place error', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html');
  await page.waitForSelector('#category option[value=roads_paths]', { state: 'attached' });
  await page.waitForSelector('#map.leaflet-container');
  await page.click('#to-preview');
  for (const field of ['lat', 'category', 'description']) {
    assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true', `${field} marked`);
  }

  await page.fill('#description', 'Schlagloch');
  assert.equal(await page.locator('#description-error').isVisible(), false, 'the description error is gone');
  assert.equal(await page.locator('#description').getAttribute('aria-invalid'), null);
  await page.selectOption('#category', 'roads_paths');
  assert.equal(await page.locator('#category-error').isVisible(), false, 'the category error is gone');

  // A pin set on the map (at street zoom) is a place: the red frame on the coordinates goes.
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2); // zooms in first
  await page.waitForFunction(() => document.getElementById('pin-hint').textContent.length > 0);
  await page.mouse.click(box.x + box.width / 2 + 5, box.y + box.height / 2 + 5);
  await page.waitForFunction(() => document.getElementById('lat').value !== '');
  for (const field of ['lat', 'lon']) {
    assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), null, `${field} no longer marked`);
    assert.equal(await page.locator(`#${field}-error`).isVisible(), false);
  }
  assert.equal(await page.locator('#form-error').isVisible(), false, 'nothing left to check: the summary goes');
  await assertAccessible(page, 'the corrected form');
  assertClean(page);
  await page.context().close();
});

test('typing coordinates shows no place until both are typed', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html');
  await page.waitForSelector('#map.leaflet-container');
  // A point of Mitte, then a new latitude typed over it: between the two fields the half-new
  // point (52.1, 13.4132) must not be looked up.
  await page.fill('#lat', '52.5219');
  await page.fill('#lon', '13.4132');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'));
  const lookups = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/jurisdiction')) lookups.push(new URL(r.url()).searchParams.get('lat')); });
  await page.locator('#lat').fill('52.33012');
  await page.locator('#lat').press('Tab');
  await page.locator('#lon').fill('14.26357');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Odervorland'));
  assert.deepEqual(lookups, ['52.33012'], 'one lookup, for the whole new point');
  assertClean(page);
  await page.context().close();
});

test('the language switch keeps a half-filled form, photo included', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html');
  await page.waitForSelector('#category option[value=street_lighting]', { state: 'attached' });
  await page.waitForSelector('#map.leaflet-container');
  await page.fill('#lat', '52.5219');
  await page.fill('#lon', '13.4132');
  await page.locator('#lon').press('Tab');
  await page.selectOption('#category', 'street_lighting');
  await page.fill('#description', 'Laterne flackert seit Tagen');
  await page.fill('#email', 'anna@example.org');
  await page.setInputFiles('#photos', await makeJpeg(page, 1200, 900));
  await page.waitForSelector('#photo-list img');

  await page.click('.lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForFunction(() => document.getElementById('description').value !== '');
  assert.equal(await page.locator('h1').innerText(), 'Report a problem');
  assert.equal(await page.locator('#lat').inputValue(), '52.5219');
  assert.equal(await page.locator('#lon').inputValue(), '13.4132');
  assert.equal(await page.locator('#category').inputValue(), 'street_lighting');
  assert.equal(await page.locator('#description').inputValue(), 'Laterne flackert seit Tagen');
  assert.equal(await page.locator('#email').inputValue(), 'anna@example.org');
  assert.match(await page.locator('#description-count').innerText(), /27 of 4000/);
  // The pin and the authority follow the kept coordinates, and the photo is still there.
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'));
  await page.waitForSelector('#photo-list img');
  await assertAccessible(page, 'the kept form in English');
  await screenshot(page, 'front-door-language-switch-kept');

  // And back: still there, and it can be sent.
  await page.click('.lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  await page.waitForFunction(() => document.getElementById('description').value !== '');
  await page.waitForSelector('#photo-list img');
  await page.click('#to-preview');
  await page.waitForSelector('#preview:not([hidden])');
  assert.equal(await page.locator('#preview-body img').count(), 1);
  assertClean(page);
  await page.context().close();
});

test('the thank-you page says where the report is, in good German', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/new.html');
  await page.waitForSelector('#category option[value=roads_paths]', { state: 'attached' });
  await page.fill('#lat', '52.5219');
  await page.fill('#lon', '13.4132');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'));
  await page.selectOption('#category', 'roads_paths');
  await page.fill('#description', 'Schlagloch am Alexanderplatz');
  await page.click('#to-preview');
  await page.click('#send');
  await page.waitForSelector('#done:not([hidden])');
  const done = await page.locator('#done').innerText();
  assert.match(done, /beim Bezirksamt Mitte eingegangen/);
  assert.doesNotMatch(done, /bei Bezirksamt/);
  assertClean(page);
  await page.context().close();
});

test('a report page shows its duplicates as links and its deadline as a day', async () => {
  const original = await filePublishedReport({ description: 'Schlagloch, Original' });
  published.push(original.id);
  const duplicate = await filePublishedReport({ lat: 52.52191, lon: 13.41321, description: 'Schlagloch, noch einmal' });
  published.push(duplicate.id);
  await api('POST', `/api/v1/admin/reports/${duplicate.id}/duplicate`, { of: original.id }, await adminHeaders());
  const page = await openPage(browser, DESKTOP);
  await page.goto(`/report.html?id=${original.id}`);
  await page.waitForSelector('#report:not([hidden])');
  const facts = page.locator('#report-facts');
  const row = facts.locator('dt', { hasText: 'Doppelmeldungen' });
  assert.equal(await row.count(), 1, 'a duplicates row');
  const links = facts.locator(`dd a[href="/report.html?id=${duplicate.id}"]`);
  assert.equal(await links.count(), 1, 'the duplicate is a link');
  assert.doesNotMatch(await facts.innerText(), /http:|,\s*,/, 'no address as text');
  // The deadline is the end of a working day (00:00 Berlin time of the next): named as the day.
  const due = await facts.innerText();
  assert.match(due, /Erste Reaktion fällig\s+bis einschließlich \w+\., \d{1,2}\. \w+\.? \d{4}/);
  assert.doesNotMatch(due, /00:00/);
  // Leaflet's buttons speak German on a German page.
  assert.equal(await page.locator('#report-map .leaflet-control-zoom-in').getAttribute('title'), 'Hineinzoomen');
  assert.equal(await page.locator('#report-map .leaflet-control-zoom-out').getAttribute('title'), 'Herauszoomen');
  await assertAccessible(page, 'a report with a duplicate');
  assertClean(page);
  await page.context().close();
});

test('plural forms, deadlines and articles in words', async () => {
  const page = await openPage(browser, DESKTOP);
  await page.goto('/barrierefreiheit.html');
  const words = await page.evaluate(async () => {
    const i18n = await import('/js/i18n.js');
    const session = await import('/js/clerk-session.js');
    const line = (me) => session.accountLine(me).map((n) => (typeof n === 'string' ? n : n.textContent)).join('');
    return {
      one: i18n.plural(1, 'Meldung', 'Meldungen', 'report', 'reports'),
      three: i18n.plural(3, 'Meldung', 'Meldungen', 'report', 'reports'),
      endOfDay: i18n.formatDeadline('2026-12-09T23:00:00Z'),
      summer: i18n.formatDeadline('2026-07-01T22:00:00Z'),
      atTime: i18n.formatDeadline('2026-12-09T13:30:00Z'),
      bei: ['Bezirksamt Mitte', 'Gemeinde Briesen (Mark)', 'Amt Odervorland', 'Landkreis Oder-Spree', 'Muster']
        .map((n) => i18n.withArticle('bei', n)),
      an: i18n.withArticle('an', 'Stadt Zehdenick'),
      named: line({ display_name: 'Erika Muster', email: 'erika@example.org' }),
      unnamed: line({ display_name: 'x@example.org', email: 'x@example.org' }),
    };
  });
  assert.equal(words.one, '1 Meldung');
  assert.equal(words.three, '3 Meldungen');
  assert.equal(words.endOfDay, 'bis einschließlich Mi., 9. Dez. 2026');
  assert.equal(words.summer, 'bis einschließlich Mi., 1. Juli 2026');
  assert.equal(words.atTime, 'bis 09.12.2026, 14:30');
  assert.deepEqual(words.bei, ['beim Bezirksamt Mitte', 'bei der Gemeinde Briesen (Mark)', 'beim Amt Odervorland',
    'beim Landkreis Oder-Spree', 'bei Muster']);
  assert.equal(words.an, 'an die Stadt Zehdenick');
  assert.equal(words.named, 'Angemeldet als Erika Muster (erika@example.org)');
  assert.equal(words.unnamed, 'Angemeldet als x@example.org', 'an account without a name is named once');
  assertClean(page);
  await page.context().close();
});

test('clerks: a wrong password in plain words, templates for the chosen status only', async () => {
  const report = await fileReport({ description: 'Schlagloch für die Vorlagen' });
  const page = await openPage(browser, DESKTOP);
  await page.goto('/clerk/');
  await page.waitForSelector('#login-form');
  await page.fill('#login-email', CLERK.email);
  await page.fill('#login-password', 'falsch');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:not([hidden])');
  const message = await page.locator('#login-error').innerText();
  assert.match(message, /E-Mail-Adresse oder Passwort stimmen nicht/);
  assert.doesNotMatch(message, /POST|API|Token|\/api\//, 'no API jargon');
  await assertAccessible(page, 'the log-in error');

  await page.goto(`/clerk/report.html?id=${report.id}`);
  await page.waitForSelector('#login-form');
  await page.fill('#login-email', CLERK.email);
  await page.fill('#login-password', CLERK.password);
  await page.click('#login-submit');
  await page.waitForSelector('#report:not([hidden])');
  await page.locator('#act-status summary').click();
  for (const [status, name] of [['in_progress', 'in Bearbeitung'], ['resolved', 'erledigt']]) {
    await page.selectOption('#status-status', status);
    const offered = (await page.locator('#status-template option').allInnerTexts()).slice(1);
    assert.ok(offered.length > 0, `templates for ${status}`);
    assert.ok(offered.every((t) => t.startsWith(`${name} (`)), `only ${name} templates: ${offered}`);
  }
  await assertAccessible(page, 'the status form with its templates');
  assertClean(page, ['status of 401']);
  await page.context().close();
});

test('on a phone: no Tab-key hint, the form starts near the top, the credits sit below the map', async () => {
  const page = await openPage(browser, PHONE);
  await page.goto('/');
  await page.waitForSelector('#map.leaflet-container');
  assert.equal(await page.locator('#map-help .keyboard-only').isVisible(), false, 'no Tab-key hint on a touch screen');
  assert.equal(await page.locator('#map-help .touch-only').isVisible(), true);
  assert.equal(await page.locator('#map .leaflet-control-zoom-in').getAttribute('title'), 'Hineinzoomen');

  await page.goto('/new.html');
  await page.waitForSelector('#map.leaflet-container');
  // The header and the emergency note leave most of the first screen to the form.
  const legend = await page.locator('#report-form legend').first().boundingBox();
  assert.ok(legend.y < 844 * 0.45, `the form starts in the upper part of the first screen (${legend.y} px)`);
  // The map's credits are a line below the map, not over it.
  await page.waitForSelector('.map-credits');
  const map = await page.locator('#map').boundingBox();
  const credits = await page.locator('.map-credits').boundingBox();
  assert.ok(credits.y >= map.y + map.height - 1, 'the credits are below the map');
  await assertAccessible(page, 'the form on a phone');
  await screenshot(page, 'front-door-form-phone-top');
  assertClean(page);
  await page.context().close();
});

test('without JavaScript every page says so instead of loading forever', async () => {
  const page = await openPage(browser, { ...DESKTOP, javaScriptEnabled: false });
  for (const path of ['/', '/new.html', '/report.html?id=00000000-0000-0000-0000-000000000000', '/authority.html?key=11000001', '/clerk/', '/clerk/report.html?id=00000000-0000-0000-0000-000000000000']) {
    await page.goto(path);
    const notice = page.locator('.noscript');
    assert.equal(await notice.isVisible(), true, `${path}: the notice shows`);
    assert.match(await notice.innerText(), /braucht JavaScript/);
    if (await page.locator('#loading').count()) {
      assert.equal(await page.locator('#loading').isVisible(), false, `${path}: no endless "loading"`);
    }
  }
  // The statement, Leichte Sprache and the privacy notice need no script at all.
  for (const path of ['/barrierefreiheit.html', '/leichte-sprache.html', '/datenschutz.html']) {
    await page.goto(path);
    assert.ok((await page.locator('main').innerText()).length > 500, `${path} reads without JavaScript`);
    assert.equal(await page.locator('#site-footer a[href="/barrierefreiheit.html"]').count(), 1);
  }
  await page.context().close();
});

test('every footer links the accessibility statement and Leichte Sprache; both pass axe', async () => {
  const report = await filePublishedReport({ description: 'Schlagloch für den Fußzeilentest' });
  published.push(report.id);
  const pages = ['/', '/new.html', `/report.html?id=${report.id}`, '/authority.html?key=11000001', '/clerk/',
    '/barrierefreiheit.html', '/leichte-sprache.html', '/offene-daten.html', '/datenschutz.html'];
  for (const options of [DESKTOP, PHONE]) {
    const page = await openPage(browser, options);
    for (const path of pages) {
      await page.goto(path);
      await page.waitForSelector('#site-footer .emergency');
      // Leaving `/` while its map tiles load would abort them (and count as a problem).
      await page.waitForLoadState('networkidle');
      for (const href of ['/barrierefreiheit.html', '/leichte-sprache.html', '/offene-daten.html',
        '/datenschutz.html']) {
        assert.equal(await page.locator(`#site-footer a[href="${href}"]`).count(), 1, `${path} links ${href}`);
      }
    }
    for (const path of ['/barrierefreiheit.html', '/leichte-sprache.html', '/offene-daten.html',
      '/datenschutz.html']) {
      for (const query of ['', '?lang=en']) {
        await page.goto(`${path}${query}`);
        await page.waitForSelector('#site-footer .emergency');
        await assertAccessible(page, `${path}${query}`);
      }
      const name = path.slice(1, -5);
      await page.goto(path);
      await screenshot(page, `front-door-${name}-${options === PHONE ? 'phone' : 'desktop'}`);
    }
    await page.goto('/barrierefreiheit.html');
    assert.match(await page.locator('#feedback-contact').getAttribute('href'), /^mailto:/);
    await page.goto('/leichte-sprache.html?lang=en');
    assert.equal(await page.locator('h1').innerText(), 'The Bürgerbüro in easy read');
    // The open-data page names the configured licence and links the downloads that work.
    await page.goto('/offene-daten.html');
    await page.waitForSelector('#site-footer .emergency');
    assert.match(await page.locator('#attribution').innerText(), /buergerbuero/);
    assert.equal(await page.locator('#license').getAttribute('href'), 'https://www.govdata.de/dl-de/by-2-0');
    for (const download of ['reports.csv', 'reports.geojson', 'catalog.jsonld']) {
      const answer = await page.request.get(`/api/v1/open-data/${download}`);
      assert.equal(answer.status(), 200, download);
    }
    assertClean(page, ['status of 401']);
    await page.context().close();
  }
});
