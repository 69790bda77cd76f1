// The citizen's "still not fixed" through the link in their status mail, in a real browser on
// a phone: the reporter files with an address, the clerk marks the report fixed, the mail
// (written by the running server as an .eml file) carries the link; the page shows the
// question, the answer lands in the public history without the person, and the clerk sees
// the reopen request and declines it on the clerk page. A photo sent along waits until the
// clerk releases it. axe-core in every state.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  BASE_URL, CLERK, PHONE, adminHeaders, api, assertAccessible, assertClean, launch, makeJpeg, openPage,
  screenshot,
} from './lib.mjs';

const MAIL_DIR = process.env.MAIL_DIR;
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The text of the .eml files written so far, quoted-printable soft breaks and `=3D` undone. */
function mails() {
  if (!MAIL_DIR || !fs.existsSync(MAIL_DIR)) return [];
  return fs.readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml'))
    .map((f) => fs.readFileSync(path.join(MAIL_DIR, f), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='));
}

/** Waits (polling, with a deadline) for the mail worker to write a mail to `to` with a feedback link. */
async function feedbackLink(to, reportId) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const mail of mails()) {
      if (!mail.includes(`To: ${to}`)) continue;
      const link = mail.match(new RegExp(`https?://[^\\s"<>]*report\\.html\\?id=${reportId}&follower=[^\\s"<>]*fkey=[0-9a-f]+#feedback`));
      if (link) return link[0];
    }
    assert.ok(Date.now() < deadline, `no mail to ${to} with a feedback link in ${MAIL_DIR}`);
    await new Promise((resolve) => { setTimeout(resolve, 250); });
  }
}

test('a follower says "not fixed" through the mail link; the clerk declines on the clerk page', async () => {
  assert.ok(MAIL_DIR, 'scripts/browser-test.sh sets MAIL_DIR');
  const email = `erika.${Date.now()}@example.org`;
  const report = await api('POST', '/api/v1/reports', {
    lat: 52.5219, lon: 13.4132, category: 'street_lighting', description: 'Laterne vor Nr. 5 ist aus', email,
  });
  const admin = await adminHeaders();
  await api('POST', `/api/v1/admin/reports/${report.id}/publish`, undefined, admin);
  await api('POST', `/api/v1/admin/reports/${report.id}/status`, { status: 'resolved', answer: 'Die Lampe ist getauscht.' }, admin);
  const link = await feedbackLink(email, report.id);
  assert.ok(link.startsWith(BASE_URL), link);

  const page = await openPage(browser, PHONE);
  await page.goto(link.slice(BASE_URL.length));
  await page.waitForSelector('#feedback:not([hidden])');
  // The mail's link lands on the question, with focus on it.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'feedback');
  await assertAccessible(page, 'feedback form (phone)');
  await screenshot(page, 'feedback-form-phone');
  // "Not fixed" needs the words what is still wrong.
  await page.click('#feedback-submit');
  await page.waitForSelector('#feedback-text-error:not([hidden])');
  await assertAccessible(page, 'feedback form with an error');
  await page.check('#feedback-kind-not-fixed');
  await page.fill('#feedback-text', 'Die Laterne ist abends immer noch dunkel.');
  // A photo of it comes along; it waits for the clerk.
  await page.setInputFiles('#feedback-photos', await makeJpeg(page, 2000, 1500, 'dunkel.jpg'));
  await page.click('#feedback-submit');
  await page.waitForSelector('#feedback-result.success, #feedback-result .success, #feedback-result:has-text("Danke")');
  assert.match(await page.textContent('#feedback-result'), /Danke/);
  await page.waitForFunction(() => document.querySelector('#history')?.textContent.includes('immer noch dunkel'));
  const history = await page.textContent('#history');
  assert.match(history, /noch nicht behoben/);
  assert.ok(!history.includes(email), 'the person stays unnamed');
  assert.equal(await page.locator('#history .answer-photos img').count(), 0, 'the photo waits for release');
  await assertAccessible(page, 'feedback sent (phone)');
  await screenshot(page, 'feedback-sent-phone');
  assertClean(page);
  await page.context().close();

  // The clerk sees the request on the report and declines it with a public reason.
  const clerk = await openPage(browser);
  await clerk.goto('/clerk/');
  await clerk.fill('#login-email', CLERK.email);
  await clerk.fill('#login-password', CLERK.password);
  await clerk.click('#login-submit');
  await clerk.waitForSelector('#inbox-section:not([hidden])');
  await clerk.check('#f-reopen_requested');
  await clerk.click('#filters button[type=submit]');
  await clerk.waitForSelector(`a[href="/clerk/report.html?id=${report.id}"]`);
  await assertAccessible(clerk, 'inbox filtered to reopen requests');
  await clerk.click(`a[href="/clerk/report.html?id=${report.id}"]`);
  await clerk.waitForSelector('#reopen-request:not([hidden])');
  await assertAccessible(clerk, 'clerk report with a reopen request');
  await screenshot(clerk, 'clerk-reopen-request');
  // The citizen's photo is among the photos, hidden, and the clerk releases it.
  const release = clerk.getByRole('button', { name: /Foto zur Rückmeldung 1 freigeben/ });
  await release.click();
  await clerk.getByRole('button', { name: /Foto zur Rückmeldung 1 verbergen/ }).waitFor();
  const released = await api('GET', `/api/v1/reports/${report.id}`);
  const said = released.history.find((e) => e.kind === 'citizen_not_fixed');
  assert.equal(said.photos?.length, 1, 'released with the feedback entry');
  assert.ok(said.photos[0].width <= 1600, 'made smaller before sending');
  await clerk.fill('#decline-reason', 'Geprüft am Abend: die Laterne leuchtet.');
  await clerk.click('#decline-submit');
  await clerk.waitForSelector('#reopen-request[hidden]', { state: 'attached' });
  assert.match(await clerk.textContent('#action-status'), /abgelehnt/);
  await assertAccessible(clerk, 'reopen request declined');
  assertClean(clerk, ['401']);
  await clerk.context().close();
  const after = await api('GET', `/api/v1/reports/${report.id}`);
  assert.ok(after.history.some((e) => e.kind === 'reopen_declined'));
  // Other test files count Mitte's public reports: leave the public map as it was.
  await api('POST', `/api/v1/admin/reports/${report.id}/hide`, {}, admin);
});

test('a clerk takes a report on from the report page and finds it under "mine"', async () => {
  const report = await api('POST', '/api/v1/reports', {
    lat: 52.5219, lon: 13.4132, category: 'roads_paths', description: 'Gehwegplatte lose',
  });
  const clerk = await openPage(browser, PHONE);
  await clerk.goto(`/clerk/report.html?id=${report.id}`);
  await clerk.waitForSelector('#login-email');
  await clerk.fill('#login-email', CLERK.email);
  await clerk.fill('#login-password', CLERK.password);
  await clerk.click('#login-submit');
  await clerk.waitForSelector('#assign-me:not([hidden])');
  assert.match(await clerk.textContent('#assignee-name'), /niemand/);
  await clerk.click('#assign-me');
  await clerk.waitForSelector('#assign-me[hidden]', { state: 'attached' });
  assert.equal(await clerk.textContent('#assignee-name'), 'Erika Muster');
  await assertAccessible(clerk, 'report taken on (phone)');
  await clerk.goto('/clerk/?assignee=me&status=');
  await clerk.waitForSelector(`a[href="/clerk/report.html?id=${report.id}"]`);
  assert.match(await clerk.textContent('#inbox-list, main'), /Zuständig: Erika Muster/);
  await assertAccessible(clerk, 'inbox: mine (phone)');
  assertClean(clerk, ['401']);
  await clerk.context().close();
});
