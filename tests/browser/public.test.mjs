// The public pages in a real browser: the map with its clusters and markers, the list as its
// full alternative, the filters, one report's page (light, duration, photos, forwarding chain,
// history, follow form), the not-found page, an authority's statistics with charts, English,
// keyboard operation, and axe-core on every page at desktop and phone size.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL, PHONE, adminHeaders, api, assertAccessible, assertClean, filePublishedReport,
  fileReport, launch, openPage, screenshot,
} from './lib.mjs';


let browser;
/** What the set-up filed: `reports` in Mitte by status, plus the special ones. */
const data = { byStatus: {}, all: [] };
const MITTE = { lat: 52.5219, lon: 13.4132 };

/** Moves a report through the workflow as the admin, with a public answer. */
async function setStatus(id, status, extra = {}) {
  await api('POST', `/api/v1/admin/reports/${id}/status`, { status, answer: `Antwort: ${status}`, ...extra },
    await adminHeaders());
}

/** A small real JPEG, drawn by chromium's canvas (no image tool needed on the machine). */
async function makeJpeg() {
  const page = await openPage(browser);
  await page.goto('/authority.html?key=11000001');
  const base64 = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const g = canvas.getContext('2d');
    g.fillStyle = '#6b8e23';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#333';
    g.beginPath();
    g.ellipse(160, 130, 90, 45, 0, 0, Math.PI * 2);
    g.fill();
    return canvas.toDataURL('image/jpeg', 0.9).split(',')[1];
  });
  await page.context().close();
  return Buffer.from(base64, 'base64');
}

/** Files a report with a photo by multipart, as the form does, and publishes it. */
async function filePhotoReport(point) {
  const form = new FormData();
  form.set('category', 'roads_paths');
  form.set('description', 'Tiefes Schlagloch auf dem Radweg, siehe Foto.');
  form.set('lat', String(point.lat));
  form.set('lon', String(point.lon));
  form.set('address', 'Alexanderplatz 1');
  form.append('photo', new Blob([await makeJpeg()], { type: 'image/jpeg' }), 'schlagloch.jpg');
  const response = await fetch(new URL('/api/v1/reports', BASE_URL), { method: 'POST', body: form });
  assert.equal(response.status, 201, await response.clone().text());
  const report = await response.json();
  assert.equal(report.photos.length, 1);
  await api('POST', `/api/v1/admin/reports/${report.id}/publish`, undefined, await adminHeaders());
  // Under moderation photos start hidden; the clerk releases them as a step of its own.
  await api('PUT', `/api/v1/admin/reports/${report.id}/photos/${report.photos[0].id}`, { visible: true },
    await adminHeaders());
  return report;
}

before(async () => {
  browser = await launch();
  // Thirteen reports in Mitte, a few metres apart, so zoom 16 shows each as its own marker.
  const plan = [...Array(8).fill('open'), 'in_progress', 'in_progress', 'resolved', 'resolved', 'closed'];
  for (const [i, status] of plan.entries()) {
    const category = i % 2 === 0 ? 'street_lighting' : 'roads_paths';
    const report = await filePublishedReport({
      lat: MITTE.lat + (i % 5) * 0.0003, lon: MITTE.lon + Math.floor(i / 5) * 0.0005, category,
      description: `Testmeldung ${i + 1}: ${status}`,
    });
    if (status === 'in_progress') await setStatus(report.id, 'in_progress');
    if (status === 'resolved') await setStatus(report.id, 'resolved');
    if (status === 'closed') await setStatus(report.id, 'closed', { reason: 'private_property' });
    (data.byStatus[status] ??= []).push({ ...report, category });
    data.all.push({ ...report, category });
  }
  data.closed = data.byStatus.closed[0];
  data.photo = await filePhotoReport({ lat: MITTE.lat - 0.0004, lon: MITTE.lon - 0.0004 });
  data.all.push({ ...data.photo, category: 'roads_paths' });
  data.forwarded = await filePublishedReport({
    lat: MITTE.lat - 0.0002, lon: MITTE.lon + 0.0012, category: 'street_lighting',
    description: 'Laterne an der Bezirksgrenze ist dunkel.',
  });
  await api('POST', `/api/v1/admin/reports/${data.forwarded.id}/forward`,
    { authority: '11000002', reason: 'Liegt in Friedrichshain-Kreuzberg' }, await adminHeaders());
  data.all.push({ ...data.forwarded, category: 'street_lighting' });
  // Not published: the public must not see it.
  data.pending = await fileReport({ ...MITTE, category: 'other', description: 'Noch nicht geprüft' });
});

after(async () => {
  await browser?.close();
});

/** Waits until the page has loaded everything (lazy thumbnails too) before leaving it. */
async function settle(page) {
  await page.waitForLoadState('networkidle');
}

const LIGHT_OF = { open: 'red', in_progress: 'yellow', resolved: 'green', closed: 'yellow_green' };

/** The list's entries as `{ href, light }`. */
function listEntries(page) {
  return page.$$eval('#report-list .report-item', (items) => items.map((item) => ({
    href: item.querySelector('h3 a').getAttribute('href'),
    light: [...item.querySelector('.light').classList].find((c) => c.startsWith('light-') && c !== 'light-dot').slice(6),
    category: item.querySelector('h3 a').firstChild.textContent,
  })));
}

/**
 * Waits until the map's clusters count `expected` reports, looking with a fresh page each
 * second. Tiles are cached per version, and a change reaches its tile's version within seconds
 * (the fold, then each instance's version poll, both every second), as documented: a tile
 * another test loaded just before (with reports it has hidden since) may be served that long.
 */
async function waitForMapCount(expected) {
  let sum = -1;
  for (let attempt = 0; attempt < 20 && sum !== expected; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    const probe = await openPage(browser);
    await probe.goto('/');
    await probe.waitForSelector('#map-status:not([aria-busy])', { state: 'attached' });
    await probe.waitForLoadState('networkidle');
    const counts = await probe.$$eval('.cluster-count', (nodes) => nodes.map((n) => Number(n.textContent)));
    sum = counts.reduce((x, y) => x + y, 0);
    await probe.context().close();
  }
}

test('the map shows the reports as clusters and markers, the list shows each with its light', async () => {
  await waitForMapCount(data.all.length);
  const page = await openPage(browser);
  await page.goto('/');
  await page.waitForSelector('.cluster-marker');
  // At zoom 7 the reports fall into clusters whose counts add up to every public report.
  const counts = await page.$$eval('.cluster-count', (nodes) => nodes.map((n) => Number(n.textContent)));
  assert.equal(counts.reduce((a, b) => a + b, 0), data.all.length, `cluster counts ${counts}`);
  const label = await page.getAttribute('.cluster-marker', 'aria-label');
  assert.match(label, /Meldungen \(.*Rot: eingegangen.*\)/);

  await page.waitForSelector('#report-list .report-item');
  const entries = await listEntries(page);
  assert.equal(entries.length, data.all.length);
  for (const [status, reports] of Object.entries(data.byStatus)) {
    for (const report of reports) {
      const entry = entries.find((e) => e.href === `/report.html?id=${report.id}`);
      assert.ok(entry, `report ${report.id} is listed`);
      assert.equal(entry.light, LIGHT_OF[status]);
    }
  }
  assert.ok(!entries.some((e) => e.href.includes(data.pending.id)), 'an unpublished report is not listed');
  assert.match(await page.textContent('#report-list'), /seit (weniger als einer Minute|\d+ Minuten?)/);
  await assertAccessible(page, 'map and list (desktop)');
  await screenshot(page, 'public-map-desktop');
  assertClean(page);
  await page.context().close();
});

test('zoomed in, every report is a marker in its light; Enter on a marker opens a link to it', async () => {
  const page = await openPage(browser);
  await page.goto(`/?lat=${MITTE.lat + 0.0005}&lon=${MITTE.lon + 0.0003}&zoom=16`);
  await page.waitForSelector('.light-marker');
  await page.waitForFunction((n) => document.querySelectorAll('.leaflet-marker-icon.light-marker').length === n,
    data.all.length);
  const markerClasses = await page.$$eval('.leaflet-marker-icon.light-marker', (nodes) => nodes.map((n) => [...n.classList]));
  const withLight = (light) => markerClasses.filter((c) => c.includes(`light-${light}`)).length;
  assert.deepEqual([withLight('red'), withLight('yellow'), withLight('green'), withLight('yellow_green')], [8 + 2, 2, 2, 1]);
  assert.match(await page.textContent('#map-status'), new RegExp(`${data.all.length} Meldungen`));

  // Keyboard: a marker takes focus, Enter opens its pop-up and moves focus to the link.
  const marker = page.locator('.leaflet-marker-icon.light-green').first();
  await marker.focus();
  assert.match(await marker.getAttribute('title'), /Grün: erledigt/);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.leaflet-popup a[href^="/report.html?id="]');
  // Leaflet fades the pop-up in; axe must judge its colours once it is fully there.
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1');
  const focused = await page.evaluate(() => document.activeElement.getAttribute('href'));
  assert.match(focused, /^\/report\.html\?id=/);
  const green = data.byStatus.resolved.map((r) => `/report.html?id=${r.id}`);
  assert.ok(green.includes(focused), 'the pop-up links to the green report');
  await assertAccessible(page, 'map zoomed in with a pop-up');
  // Escape closes the pop-up and puts the reader back on the marker.
  await page.keyboard.press('Escape');
  await page.waitForSelector('.leaflet-popup', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('light-green')), true);
  assertClean(page);
  await page.context().close();
});

test('Enter on a cluster zooms in; the map can be skipped to the list by keyboard', async () => {
  const page = await openPage(browser);
  await page.goto('/');
  await page.waitForSelector('.cluster-marker');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('zoom') === '7');
  await page.locator('.cluster-marker').first().focus();
  const zoomed = page.waitForResponse((r) => r.url().includes('/api/v1/map/tiles/9/'));
  await page.keyboard.press('Enter');
  await zoomed;
  // The view's tiles are several requests; the status is busy until all have answered.
  await page.waitForSelector('#map-status:not([aria-busy])', { state: 'attached' });
  assert.equal(new URLSearchParams(new URL(page.url()).search).get('zoom'), '9');

  // From the top of the page, Tab reaches the skip link; it leads past the map to the list.
  await settle(page);
  await page.goto('/');
  await page.waitForSelector('#report-list .report-item');
  await page.focus('#in-view');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-map');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'list-heading');
  await page.keyboard.press('Tab');
  const href = await page.evaluate(() => document.activeElement.getAttribute('href'));
  assert.match(href, /^\/report\.html\?id=/, 'Tab after the list heading lands on the first report link');
  // Every report link in the list is in the tab order.
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab');
    assert.match(await page.evaluate(() => document.activeElement.getAttribute('href') ?? ''), /^\/report\.html\?id=/);
  }
  assertClean(page);
  await page.context().close();
});

test('the filters by light and category apply to the list and the map and stay in the address', async () => {
  const page = await openPage(browser);
  await page.goto(`/?lat=${MITTE.lat + 0.0005}&lon=${MITTE.lon + 0.0003}&zoom=16`);
  await page.waitForSelector('#report-list .report-item');
  await page.waitForSelector('.leaflet-marker-icon.light-marker');
  await page.check('#light-green');
  await page.waitForFunction(() => document.querySelectorAll('#report-list .report-item').length === 2);
  const entries = await listEntries(page);
  assert.deepEqual(entries.map((e) => e.light), ['green', 'green']);
  await page.waitForFunction(() => {
    const markers = [...document.querySelectorAll('.leaflet-marker-icon.light-marker')];
    return markers.length === 2 && markers.every((m) => m.classList.contains('light-green'));
  });
  assert.equal(new URL(page.url()).searchParams.get('light'), 'green');

  // Two lights at once: yellow and green.
  await page.check('#light-yellow');
  await page.waitForFunction(() => document.querySelectorAll('#report-list .report-item').length === 4);

  // Category: street lighting, among all lights again.
  await page.uncheck('#light-green');
  await page.uncheck('#light-yellow');
  await page.selectOption('#category', 'street_lighting');
  const lighting = data.all.filter((r) => r.category === 'street_lighting').length;
  await page.waitForFunction((n) => document.querySelectorAll('#report-list .report-item').length === n, lighting);
  assert.ok((await listEntries(page)).every((e) => e.category === 'Straßenbeleuchtung'));
  await page.waitForFunction((n) => document.querySelectorAll('.leaflet-marker-icon.light-marker').length === n, lighting);

  // The address keeps the filters: a reload shows the same.
  await page.check('#light-red');
  const red = data.all.filter((r) => r.category === 'street_lighting'
    && (data.byStatus.open.some((o) => o.id === r.id) || r.id === data.forwarded.id)).length;
  await page.waitForFunction((n) => document.querySelectorAll('#report-list .report-item').length === n, red);
  await settle(page);
  await page.reload();
  await page.waitForSelector('#report-list .report-item');
  assert.equal(await page.isChecked('#light-red'), true);
  assert.equal(await page.inputValue('#category'), 'street_lighting');
  assert.equal((await listEntries(page)).length, red);

  // "Only the map's section": zoomed far into an empty corner, the list is empty.
  await settle(page);
  await page.goto('/?lat=53.9&lon=11.2&zoom=15&inview=1');
  await page.waitForFunction(() => /Keine Meldungen/.test(document.querySelector('.list-status').textContent));
  assert.equal(await page.isChecked('#in-view'), true);
  await assertAccessible(page, 'map and list with filters');
  assertClean(page);
  await page.context().close();
});

test("a report's page shows its light, since when, photos, history and the follow form answers", async () => {
  const page = await openPage(browser);
  await page.goto(`/report.html?id=${data.photo.id}`);
  await page.waitForSelector('#report:not([hidden])');
  assert.equal(await page.textContent('#report-title'), 'Straßen und Wege');
  assert.match(await page.textContent('#report-status'), /Rot: eingegangen/);
  assert.match(await page.textContent('#report-status'), /seit (weniger als einer Minute|\d+ Minuten?)/);
  assert.match(await page.textContent('#report-description'), /Tiefes Schlagloch/);
  assert.match(await page.textContent('#report-facts'), /Alexanderplatz 1, Mitte/);
  assert.match(await page.textContent('#report-facts'), /Bezirksamt Mitte/);
  // The photo really loads (thumbnail), and links to the large version.
  await page.waitForFunction(() => {
    const img = document.querySelector('#photos img');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.match(await page.getAttribute('#photos a', 'href'), /^\/api\/v1\/photos\/[0-9a-f]{64}\/web$/);
  assert.match(await page.getAttribute('#photos img', 'alt'), /Foto 1 von 1/);
  assert.match(await page.textContent('#history'), /Gemeldet/);
  await page.waitForSelector('#report-map .leaflet-marker-icon.light-red');
  await assertAccessible(page, 'report page (desktop)');
  await screenshot(page, 'public-report-desktop');

  // Follow: an empty address is refused at the field, an invalid one by the service, a
  // valid one is accepted (202) with the service's message.
  await page.click('#follow-form button[type=submit]');
  assert.match(await page.textContent('#follow-email-error'), /E-Mail-Adresse/);
  assert.equal(await page.getAttribute('#follow-email', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'follow-email');
  await page.fill('#follow-email', 'kein-at-zeichen');
  const refused = page.waitForResponse((r) => r.url().endsWith('/followers'));
  await page.click('#follow-form button[type=submit]');
  assert.equal((await refused).status(), 400);
  await page.waitForSelector('#follow-email-error:not([hidden])');
  await page.fill('#follow-email', 'anna.schmidt@example.org');
  const accepted = page.waitForResponse((r) => r.url().endsWith('/followers'));
  await page.click('#follow-form button[type=submit]');
  assert.equal((await accepted).status(), 202);
  await page.waitForSelector('#follow-result .success');
  assert.ok((await page.textContent('#follow-result')).length > 10);
  assert.equal(await page.isHidden('#follow-email-error'), true);
  await assertAccessible(page, 'report page after following');
  assertClean(page, ['400']);
  await page.context().close();
});

test('a closed report shows the public reason; a forwarded one its chain of authorities', async () => {
  const page = await openPage(browser);
  await page.goto(`/report.html?id=${data.closed.id}`);
  await page.waitForSelector('#report:not([hidden])');
  assert.match(await page.textContent('#report-status'), /Gelb-Grün: bearbeitet, hier nicht lösbar/);
  assert.match(await page.textContent('#report-status'), /Grund: Privatgelände/);
  assert.match(await page.textContent('#history'), /Status geändert/);
  assert.match(await page.textContent('#history'), /Antwort: closed/);
  await assertAccessible(page, 'closed report');

  await settle(page);
  await page.goto(`/report.html?id=${data.forwarded.id}`);
  await page.waitForSelector('#report:not([hidden])');
  const chain = await page.$$eval('#chain li', (items) => items.map((li) => li.textContent));
  assert.equal(chain.length, 2, chain.join(' | '));
  assert.match(chain[0], /Zuerst zuständig: Bezirksamt Mitte/);
  assert.match(chain[1], /Weitergeleitet an Bezirksamt Friedrichshain-Kreuzberg/);
  assert.equal(await page.getAttribute('#chain li:last-child', 'aria-current'), 'step');
  assert.match(await page.textContent('#history'), /An eine andere Behörde weitergeleitet\s*an Bezirksamt Friedrichshain-Kreuzberg/);
  assert.equal(await page.getAttribute('#chain li:first-child a', 'href'), '/authority.html?key=11000001');
  await assertAccessible(page, 'forwarded report');
  await screenshot(page, 'public-report-forwarded-desktop');
  assertClean(page);
  await page.context().close();
});

test('an unknown or unpublished report shows a clear not-found message', async () => {
  const page = await openPage(browser);
  for (const id of ['0193a4c2-7d1e-7b3a-9f60-2c4e8d1a5b77', data.pending.id, 'kaputt', '']) {
    await page.goto(`/report.html?id=${id}`);
    await page.waitForSelector('#not-found:not([hidden])');
    assert.equal(await page.textContent('h1:visible'), 'Meldung nicht gefunden');
    assert.equal(await page.isHidden('#report'), true);
  }
  assert.match(await page.title(), /Meldung nicht gefunden/);
  await assertAccessible(page, 'report not found');
  await screenshot(page, 'public-report-not-found-desktop');
  assertClean(page, ['404']);
  await page.context().close();
});

test("an authority's page shows its statistics as charts with the figures in tables", async () => {
  const stats = await api('GET', '/api/v1/authorities/11000001/stats');
  assert.equal(stats.stats.withheld, false, 'enough reports in Mitte for figures');
  const page = await openPage(browser);
  await page.goto('/authority.html?key=11000001');
  await page.waitForSelector('#figures:not([hidden])');
  assert.equal(await page.textContent('#authority-name'), 'Bezirksamt Mitte');
  assert.match(await page.textContent('#authority-promise'), new RegExp(`${stats.promise_working_days} Werktag`));
  // The lights chart: one bar per light, sized by its count; the table says the same.
  const bars = await page.$$eval('#lights-chart rect', (rects) => rects.map((r) => Number(r.getAttribute('width'))));
  assert.equal(bars.length, 4);
  const { lights } = stats.stats.figures;
  assert.deepEqual(lights, { red: 9, yellow: 2, green: 2, yellow_green: 1 });
  assert.ok(bars[0] > bars[1] && bars[1] === bars[2] && bars[2] > bars[3] && bars[3] > 0, `bar widths ${bars}`);
  const rows = await page.$$eval('#lights-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => Number(r[1])), [9, 2, 2, 1]);
  assert.match(rows[0][0], /Rot: eingegangen/);
  assert.equal(rows[0][2].replace(/\s/g, ' '), '64 %');
  assert.equal(await page.$$eval('#times-chart svg rect', (r) => r.length), 2);
  assert.match(await page.textContent('#times-table'), /Servicezusage/);
  assert.equal(await page.$$eval('#overdue-chart svg circle', (c) => c.length), 2);
  assert.match(await page.textContent('#overdue-text'), /Jetzt überfällig: 0/);
  // The charts are pictures of the tables: hidden from screen readers, never the only source.
  assert.equal(await page.getAttribute('#lights-chart svg', 'aria-hidden'), 'true');
  // Its recent reports, linked.
  await page.waitForSelector('#recent .report-item');
  assert.equal(await page.$$eval('#recent .report-item', (items) => items.length), 10);
  // "Load more" pages on with the cursor and puts focus on the first new entry.
  await page.click('#recent button');
  await page.waitForFunction(() => document.querySelectorAll('#recent .report-item').length === 14);
  assert.equal(await page.evaluate(() => document.activeElement === document.querySelectorAll('#recent .report-item a')[10]), true);
  assert.equal(await page.isHidden('#recent button'), true);
  await assertAccessible(page, 'authority page (desktop)');
  await screenshot(page, 'public-authority-desktop');

  await settle(page);
  await page.goto('/authority.html?key=99999999');
  await page.waitForSelector('#not-found:not([hidden])');
  assert.equal(await page.textContent('h1:visible'), 'Behörde nicht gefunden');
  await assertAccessible(page, 'authority not found');
  assertClean(page, ['404']);
  await page.context().close();
});

test('an authority with few reports explains why its figures are withheld', async () => {
  const page = await openPage(browser);
  await page.goto('/authority.html?key=11000002');
  await page.waitForSelector('#withheld:not([hidden])');
  assert.match(await page.textContent('#withheld'), /ab 10 öffentlichen Meldungen/);
  assert.equal(await page.isHidden('#figures'), true);
  await page.waitForSelector('#recent .report-item');
  await assertAccessible(page, 'authority with withheld figures');
  assertClean(page);
  await page.context().close();
});

test('English: the switch shows the pages in English and the choice stays', async () => {
  const page = await openPage(browser);
  await page.goto('/');
  await page.waitForSelector('#report-list .report-item');
  await settle(page);
  await Promise.all([page.waitForNavigation(), page.click('.lang-switch')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.waitForSelector('#report-list .report-item');
  assert.equal(await page.textContent('h1'), 'Reported problems');
  assert.match(await page.textContent('#light-filters'), /Red: received/);
  assert.match(await page.textContent('.list-status'), /reports found/);
  assert.equal(await page.textContent('#category option[value=""]'), 'All categories');
  await page.waitForSelector('.cluster-marker');
  assert.match(await page.getAttribute('.cluster-marker', 'aria-label'), /reports \(.*Red: received/);
  await assertAccessible(page, 'map and list in English');
  await screenshot(page, 'public-map-english-desktop');

  await settle(page);
  await page.goto(`/report.html?id=${data.closed.id}`);
  await page.waitForSelector('#report:not([hidden])');
  assert.equal(await page.textContent('#report-title'), 'Street lighting');
  assert.match(await page.textContent('#report-status'), /Yellow-green: handled, not fixable here/);
  assert.match(await page.textContent('#report-status'), /Reason: private property/);
  assert.match(await page.textContent('#follow-heading'), /Follow this report/);
  await assertAccessible(page, 'report in English');

  await settle(page);
  await page.goto('/authority.html?key=11000001');
  await page.waitForSelector('#figures:not([hidden])');
  assert.match(await page.textContent('#lights-heading'), /Reports by traffic light/);
  assert.match(await page.textContent('#authority-promise'), /working day/);
  await assertAccessible(page, 'authority in English');
  assertClean(page);
  await page.context().close();
});

test('phone: every public page fits, passes axe and works by touch', async () => {
  const page = await openPage(browser, PHONE);
  await page.goto('/');
  await page.waitForSelector('#report-list .report-item');
  await page.waitForSelector('.cluster-marker');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the map page is ${overflow}px wider than the phone`);
  await assertAccessible(page, 'map and list (phone)');
  await screenshot(page, 'public-map-phone');
  // On a phone the filters start folded, so the map comes first; they open by touch.
  assert.equal(await page.isVisible('#light-red'), false);
  await page.tap('#filters-box summary');
  await page.tap('label[for="light-yellow_green"]');
  await page.waitForFunction(() => document.querySelectorAll('#report-list .report-item').length === 1);
  assert.match(await page.textContent('#filters-box summary'), /1 aktiv/);
  await assertAccessible(page, 'map and list with open filters (phone)');
  await page.tap('label[for="light-yellow_green"]');
  await page.waitForFunction((n) => document.querySelectorAll('#report-list .report-item').length === n, data.all.length);
  const zoomed = page.waitForResponse((r) => r.url().includes('/api/v1/map/tiles/9/'));
  await page.tap('.cluster-marker');
  await zoomed;
  await page.waitForSelector('#map-status:not([aria-busy])', { state: 'attached' });

  await settle(page);
  await page.goto(`/report.html?id=${data.photo.id}`);
  await page.waitForSelector('#report:not([hidden])');
  await page.waitForFunction(() => document.querySelector('#photos img')?.naturalWidth > 0);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await assertAccessible(page, 'report (phone)');
  await screenshot(page, 'public-report-phone');

  await settle(page);
  await page.goto(`/report.html?id=${data.forwarded.id}`);
  await page.waitForSelector('#report:not([hidden])');
  await assertAccessible(page, 'forwarded report (phone)');

  await settle(page);
  await page.goto('/authority.html?key=11000001');
  await page.waitForSelector('#figures:not([hidden])');
  await page.waitForSelector('#recent .report-item');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await assertAccessible(page, 'authority (phone)');
  await screenshot(page, 'public-authority-phone');

  await settle(page);
  await page.goto('/report.html?id=0193a4c2-7d1e-7b3a-9f60-2c4e8d1a5b77');
  await page.waitForSelector('#not-found:not([hidden])');
  await assertAccessible(page, 'report not found (phone)');
  assertClean(page, ['404']);
  await page.context().close();
});
