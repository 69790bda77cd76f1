// The whole story across the three kinds of pages, as issue 6 asks for it: a citizen files a
// report with a photo through the form; a clerk follows the link from the authority's mail,
// signs in, publishes the report and answers it (status "in progress"); the public report page
// then shows yellow with the answer. Once on a desktop, once on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, assertClean, assertAccessible, screenshot, makeJpeg, api, adminHeaders, CLERK,
  DESKTOP, PHONE,
} from './lib.mjs';

let browser;
const published = [];
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  // The public pages' tests count Mitte's public reports; take ours out of public view again.
  for (const id of published) {
    await api('POST', `/api/v1/admin/reports/${id}/hide`, { reason: 'flow test done' }, await adminHeaders());
  }
});

/** Signed out, `GET /api/v1/admin/me` answers 401 and chromium logs it. */
const SIGNED_OUT = ['status of 401'];

async function citizenFiles(options, name, description) {
  const page = await openPage(browser, options);
  await page.goto('/new.html');
  await page.waitForSelector('#category option[value=roads_paths]', { state: 'attached' });
  await page.fill('#lat', '52.5163');
  await page.fill('#lon', '13.3777');
  await page.locator('#lon').press('Tab');
  await page.waitForFunction(() => document.getElementById('authority').textContent.includes('Bezirksamt Mitte'));
  await page.selectOption('#category', 'roads_paths');
  await page.fill('#description', description);
  await page.setInputFiles('#photos', await makeJpeg(page, 2400, 1800));
  await page.waitForSelector('#photo-list img');
  await page.click('#to-preview');
  await page.click('#send');
  await page.waitForSelector('#done:not([hidden])');
  const href = await page.locator('#tracking-link').getAttribute('href');
  const id = new URL(href, 'http://x').searchParams.get('id');
  await screenshot(page, `flow-${name}-1-filed`);
  // The reporter's own link (with its key) shows the report at once, before a clerk
  // publishes it; without the key the same report is not found.
  assert.match(new URL(href, 'http://x').searchParams.get('key') ?? '', /^[0-9a-f]{32}$/);
  await page.goto(href);
  await page.waitForSelector('#report:not([hidden])');
  assert.match(await page.textContent('#not-public-notice'), /vor der Veröffentlichung/);
  assert.match(await page.textContent('#history'), /Gemeldet/);
  assert.equal(await page.isHidden('.follow'), true, 'nobody can follow it yet');
  await assertAccessible(page, `the reporter's own link before publication (${name})`);
  await screenshot(page, `flow-${name}-1-reporter-link`);
  await page.goto(`/report.html?id=${id}`);
  await page.waitForSelector('#not-found:not([hidden])');
  assertClean(page, ['404']);
  await page.context().close();
  return id;
}

async function clerkPublishesAndAnswers(options, name, id, answer) {
  const page = await openPage(browser, options);
  // The authority's mail links here; signed out, the page asks for the log-in first.
  await page.goto(`/clerk/report.html?id=${id}`);
  await page.waitForSelector('#login-email');
  await page.fill('#login-email', CLERK.email);
  await page.fill('#login-password', CLERK.password);
  await page.click('#login-submit');
  await page.waitForSelector('#report:not([hidden])');
  assert.equal(new URL(page.url()).searchParams.get('id'), id, 'back at the report after signing in');
  await assertAccessible(page, `the clerk's report view (${name})`);

  await page.locator('#act-moderate summary').click();
  await page.click('#publish-submit');
  await page.waitForFunction(() => document.getElementById('action-status').textContent.trim() !== '');
  await page.evaluate(() => document.getElementById('action-status').replaceChildren());

  await page.locator('#act-status summary').click();
  await page.selectOption('#status-status', 'in_progress');
  await page.fill('#status-answer', answer);
  await page.click('#status-submit');
  await page.waitForFunction(() => document.getElementById('action-status').textContent.trim() !== '');
  await screenshot(page, `flow-${name}-2-clerk-answered`);
  await assertAccessible(page, `the clerk's report view after answering (${name})`);
  assertClean(page, SIGNED_OUT);
  await page.context().close();
}

async function publicSeesYellow(options, name, id, answer) {
  const page = await openPage(browser, options);
  await page.goto(`/report.html?id=${id}`);
  await page.waitForSelector('#report:not([hidden])');
  assert.match(await page.locator('#report-status').innerText(), /Gelb: in Bearbeitung/);
  assert.equal(await page.locator('#report-status .light-yellow').count() > 0, true, 'the yellow light');
  assert.match(await page.locator('#history').innerText(), new RegExp(answer.slice(0, 30)));
  await page.waitForFunction(() => [...document.querySelectorAll('#photos img')].some((i) => i.complete && i.naturalWidth > 0))
    .catch(() => {}); // photos stay hidden until a clerk releases them; the light is what counts here
  await assertAccessible(page, `the public report page (${name})`);
  await screenshot(page, `flow-${name}-3-public-yellow`);
  assertClean(page);
  await page.context().close();
}

for (const [name, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`${name}: filed with a photo, published and answered by the clerk, yellow in public`, async () => {
    const answer = `Danke! Der Bauhof repariert das Schlagloch (${name}) in dieser Woche.`;
    const id = await citizenFiles(options, name, `Schlagloch am Pariser Platz (${name}), etwa 40 cm breit`);
    published.push(id);
    await clerkPublishesAndAnswers(options, name, id, answer);
    await publicSeesYellow(options, name, id, answer);
  });
}
