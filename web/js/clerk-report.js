// /clerk/report.html?id=…: one report with every clerk action. Mails link here, so a clerk
// who is not signed in is sent through the log-in page and comes back. Every action answers
// with the report after it; the page is redrawn from that answer (never from a guess) and
// the outcome is announced in the status region.
import { getJson, loadCategories, send } from './api.js';
import { $, clearErrorsOnEdit, el } from './dom.js';
import { pick, restoreFormState, tr, withArticle } from './i18n.js';
import { statusName } from './lights.js';
import { createMap, lightMarker } from './map.js';
import { announce, initPage, loadAttribution } from './page.js';
import { submitForm, requireText } from './clerk-forms.js';
import { accountLine, currentAccount, loginUrl, signOut } from './clerk-session.js';
import { renderReport } from './clerk-report-view.js';
import { openRedaction, syncRedaction, wireRedaction } from './clerk-redact.js';
import { preparePhoto } from './photo-resize.js';
import { wireSuggestions } from './clerk-suggest.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const id = new URLSearchParams(location.search).get('id') ?? '';
const base = `/api/v1/admin/reports/${id}`;
const status = $('action-status');
let report;
let me;

initPage('Meldung bearbeiten', 'Edit report');
start();

async function start() {
  if (!UUID.test(id)) return fail(tr('Diese Adresse nennt keine gültige Meldung.', 'This address names no valid report.'));
  try {
    me = await currentAccount();
  } catch (error) {
    return fail(error.readerMessage?.() ?? String(error));
  }
  if (!me) {
    // Not signed in: log in first, then come back here (the mail link keeps working). The
    // footer's request is let finish first, so the move does not cut it off.
    await loadAttribution().catch(() => {});
    location.replace(loginUrl());
    return;
  }
  $('signed-in-as').replaceChildren(...accountLine(me));
  $('logout').hidden = false;
  $('logout').addEventListener('click', logOut);
  try {
    report = await getJson(base);
  } catch (error) {
    return fail(error.status === 404
      ? tr('Diese Meldung gibt es nicht, oder sie liegt nicht bei Ihrer Behörde.',
        'This report does not exist, or it is not with your authority.')
      : error.readerMessage?.() ?? String(error));
  }
  await prepareForms();
  show(report);
  // Shown only once drawn, so nobody (and no test) reads a half-filled page.
  $('loading').hidden = true;
  $('report').hidden = false;
  // After a language switch: the texts typed before it (an answer, a note) are kept.
  restoreFormState();
}

function fail(message) {
  $('loading').hidden = true;
  announce($('load-error'), message, 'error');
}

async function logOut() {
  try {
    await signOut();
  } catch (error) {
    announce(status, error.readerMessage?.() ?? String(error), 'error');
    return;
  }
  location.assign('/clerk/');
}

/** Redraws everything that depends on the report: texts, flags, which actions apply. */
function show(next) {
  report = next;
  renderReport(report, {
    onTogglePhoto: togglePhoto,
    onRedactPhoto: (photo, label) => openRedaction(report.id, photo, label),
  });
  syncRedaction(report);
  $('description-description').value = report.description;
  $('category-category').value = report.category.code;
  // The server says what the report's state allows: no copy of the state machine here.
  const allowed = new Set(report.allowed_actions);
  fillStatusOptions(report.status_moves);
  fillTemplateOptions();
  $('publish-form').hidden = !allowed.has('publish');
  $('hide-form').hidden = !allowed.has('hide');
  $('act-status').hidden = !allowed.has('status');
  $('act-answer').hidden = !allowed.has('answers');
  $('act-duplicate').hidden = !allowed.has('duplicate');
  $('act-reopen').hidden = !allowed.has('reopen');
  showAssignment(allowed.has('assignee'));
  showReopenRequest(allowed.has('decline-reopen'));
  showMap();
}

/** Who is in charge, and the clerks the report may go to ("nobody" first). */
function showAssignment(allowed) {
  $('assign-form').hidden = !allowed && !report.assignee;
  $('assignee-name').textContent = report.assignee?.name ?? tr('niemand', 'nobody');
  $('assign-me').hidden = !allowed || report.assignee?.id === me?.id
    || !(report.assignable ?? []).some((a) => a.id === me?.id);
  const select = $('assign-account');
  select.replaceChildren(el('option', { value: '' }, tr('– niemand –', '– nobody –')),
    ...(report.assignable ?? []).map((a) => el('option', { value: a.id }, a.name)));
  select.value = report.assignee?.id ?? '';
}

function showReopenRequest(pending) {
  $('reopen-request').hidden = !pending;
  $('reopen-request-when').textContent = pending
    ? tr(`(seit ${new Date(report.reopen_requested_at).toLocaleString('de-DE')})`,
      `(since ${new Date(report.reopen_requested_at).toLocaleString('en-GB')})`)
    : '';
}

function fillStatusOptions(moves) {
  const select = $('status-status');
  const chosen = select.value;
  select.replaceChildren(...moves.map((m) => el('option', { value: m }, statusName(m))));
  if (moves.includes(chosen)) select.value = chosen;
  syncCloseFields();
}

function syncCloseFields() {
  const closing = $('status-status').value === 'closed';
  $('status-reason-row').hidden = !closing;
  $('status-responsible-row').hidden = !(closing && $('status-reason').value === 'not_responsible');
}

let map;
let marker;
async function showMap() {
  if (!window.L) return;
  const { lat, lon } = report.location;
  const label = pick(report.category, 'name');
  if (!map) {
    $('report-map').hidden = false;
    map = await createMap($('report-map'), { center: [lat, lon], zoom: 17 });
  }
  marker?.remove();
  marker = lightMarker(lat, lon, report.light ?? 'red', label).addTo(map);
}

let answerTemplates = [];

/**
 * The templates that fit: for a status change only those of the chosen new status (a "fixed"
 * text under "in progress" would be sent by mistake); a plain answer keeps the status, so it
 * is offered every template, named by its status. A select with none says so.
 */
function fillTemplateOptions() {
  const newStatus = $('status-status').value;
  for (const select of document.querySelectorAll('.template-select')) {
    const chosen = select.value;
    const fitting = answerTemplates.map((t, i) => [t, i])
      .filter(([t]) => select.id !== 'status-template' || t.status === newStatus);
    select.replaceChildren(
      el('option', { value: '' }, fitting.length
        ? tr('– Vorlage wählen –', '– choose a template –')
        : tr('– keine Vorlage für diesen Status –', '– no template for this status –')),
      ...fitting.map(([t, i]) => el('option', { value: String(i) },
        `${statusName(t.status)} (${t.language === 'de' ? tr('deutsch', 'German') : tr('englisch', 'English')})`)));
    if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  }
}

/** Answer templates, categories and the form handlers; done once. */
async function prepareForms() {
  const [templates, categories] = await Promise.all([
    getJson('/api/v1/admin/answer-templates').then((b) => b.templates).catch(() => []),
    loadCategories().catch(() => []),
  ]);
  answerTemplates = templates;
  for (const select of document.querySelectorAll('.template-select')) {
    select.addEventListener('change', () => {
      const template = answerTemplates[Number(select.value)];
      if (select.value === '' || !template) return;
      $(select.dataset.target).value = template.body;
      announce(status, tr('Vorlage eingefügt; Sie können den Text anpassen.', 'Template inserted; you can adjust the text.'));
    });
  }
  fillTemplateOptions();
  $('status-status').addEventListener('change', fillTemplateOptions);
  $('category-category').replaceChildren(...categories.map((c) => el('option', { value: c.code }, pick(c, 'name'))));
  $('status-status').addEventListener('change', syncCloseFields);
  $('status-reason').addEventListener('change', syncCloseFields);
  wireSuggestions({ getReport: () => report });
  wireActions();
  wireRedaction({
    statusRegion: status,
    done: (next, message) => {
      show(next);
      announce(status, message, 'success');
      status.focus();
    },
  });
}

/**
 * Wires one form: `body()` builds the request (throwing for a blank required field), the
 * answer redraws the page, `done` is the announcement.
 */
function action(prefix, method, path, body, done, { reset = true } = {}) {
  const form = $(`${prefix}-form`);
  clearErrorsOnEdit(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const where = typeof path === 'function' ? path() : path;
    const result = await submitForm(form, prefix, async () => send(method, `${base}${where}`, await body()), { status });
    if (!result) return;
    if (reset) form.reset();
    applyResult(result, typeof done === 'function' ? done(result) : done);
  });
}

function applyResult(result, message) {
  if (!result.url) {
    // A forwarding took the report out of this account's authorities: nothing left to act on.
    $('report').hidden = true;
    // The answer has only the key; the suggestions may know the authority's name.
    const known = [...$('forward-suggestions').options].find((o) => o.value === result.authority);
    const to = known ? `${known.textContent} (${result.authority})` : result.authority;
    announce(status, tr(`Weitergeleitet ${withArticle('an', to)}. Die Meldung liegt nun nicht mehr bei Ihrer Behörde.`,
      `Forwarded to ${to}. The report is no longer with your authority.`), 'success');
    status.append(el('p', {}, el('a', { href: '/clerk/' }, tr('Zurück zum Posteingang', 'Back to the inbox'))));
    status.focus();
    return;
  }
  show(result);
  announce(status, message, 'success');
  // If the control that had focus vanished with the redraw (e.g. "Publish" after publishing),
  // move focus to the outcome instead of dropping it on the page's start.
  const active = document.activeElement;
  if (!active || active === document.body || active.closest('[hidden]') || !active.isConnected) status.focus();
}

function wireActions() {
  action('publish', 'POST', '/publish', () => undefined,
    tr('Die Meldung ist veröffentlicht.', 'The report is published.'));
  action('hide', 'POST', '/hide', () => {
    const reason = $('hide-reason').value.trim();
    return reason ? { reason } : {};
  }, tr('Die Meldung ist für die Öffentlichkeit verborgen.', 'The report is hidden from the public.'));
  action('status', 'POST', '/status', () => {
    const body = { status: $('status-status').value };
    if (body.status === 'closed') {
      body.reason = $('status-reason').value;
      if (body.reason === 'not_responsible') {
        body.responsible = requireText('status', 'responsible', 'Bitte nennen Sie, wer zuständig ist.', 'Please say who is responsible.');
      }
    }
    const answer = $('status-answer').value.trim();
    if (answer) body.answer = answer;
    return body;
  }, (r) => tr(`Status geändert: ${statusName(r.status)}.`, `Status changed: ${statusName(r.status)}.`));
  // With photos ("after" photos, from the phone's camera) the answer goes as a multipart.
  const answerPhotos = () => [...$('answer-photo').files];
  action('answer', 'POST', () => (answerPhotos().length ? '/photo-answers' : '/answers'), async () => {
    const text = requireText('answer', 'text', 'Bitte schreiben Sie eine Antwort.', 'Please write an answer.');
    const files = answerPhotos();
    if (!files.length) return { text };
    const form = new FormData();
    form.append('text', text);
    for (const file of files) form.append('photo', (await preparePhoto(file)).upload);
    return form;
  }, (r) => {
    const photos = r.history?.at(-1)?.photos?.length ?? 0;
    return photos ? tr(`Die Antwort ist mit ${photos} ${photos === 1 ? 'Foto' : 'Fotos'} veröffentlicht.`,
      `The answer is published with ${photos} ${photos === 1 ? 'photo' : 'photos'}.`)
      : tr('Die Antwort ist veröffentlicht.', 'The answer is published.');
  });
  action('note', 'POST', '/notes', () => ({
    text: requireText('note', 'text', 'Bitte schreiben Sie eine Notiz.', 'Please write a note.'),
  }), tr('Die interne Notiz ist gespeichert.', 'The internal note is saved.'));
  action('description', 'PUT', '/description', () => ({
    description: requireText('description', 'description', 'Die Beschreibung darf nicht leer sein.', 'The description must not be empty.'),
  }), tr('Der öffentliche Text ist geändert.', 'The public text is changed.'), { reset: false });
  action('category', 'PUT', '/category', () => ({ category: $('category-category').value }),
    (r) => tr(`Kategorie geändert: ${r.category.name_de}.`, `Category changed: ${r.category.name_en}.`), { reset: false });
  action('forward', 'POST', '/forward', () => ({
    authority: requireText('forward', 'authority', 'Bitte geben Sie den Schlüssel der Behörde an.', 'Please enter the authority\'s key.'),
    reason: requireText('forward', 'reason', 'Bitte geben Sie einen Grund an.', 'Please give a reason.'),
  }), (r) => tr(`Weitergeleitet ${withArticle('an', r.authority?.name ?? '')}.`, `Forwarded to ${r.authority?.name ?? ''}.`));
  action('duplicate', 'POST', '/duplicate', () => {
    const body = { of: requireText('duplicate', 'of', 'Bitte geben Sie die ID der ursprünglichen Meldung an.', 'Please enter the original report\'s ID.') };
    const answer = $('duplicate-answer').value.trim();
    if (answer) body.answer = answer;
    return body;
  }, tr('Als Duplikat geschlossen (gelb-grün).', 'Closed as a duplicate (yellow-green).'));
  action('reopen', 'POST', '/reopen', () => ({
    reason: requireText('reopen', 'reason', 'Bitte geben Sie einen Grund an.', 'Please give a reason.'),
    status: $('reopen-status').value,
  }), (r) => tr(`Die Meldung ist wieder geöffnet: ${statusName(r.status)}.`, `The report is open again: ${statusName(r.status)}.`));
  action('decline', 'POST', '/decline-reopen', () => ({
    reason: requireText('decline', 'reason', 'Bitte begründen Sie die Ablehnung.', 'Please give a reason.'),
  }), tr('Die Wiederaufnahme ist abgelehnt; die Begründung ist öffentlich.', 'Reopening is declined; the reason is public.'));
  action('assign', 'PUT', '/assignee', () => ({ account: $('assign-account').value || null }),
    (r) => (r.assignee ? tr(`Zugewiesen an ${r.assignee.name}.`, `Assigned to ${r.assignee.name}.`)
      : tr('Niemand ist mehr zuständig.', 'Nobody is in charge now.')), { reset: false });
  $('assign-me').addEventListener('click', async () => {
    const form = $('assign-form');
    const result = await submitForm(form, 'assign', () => send('PUT', `${base}/assignee`, { account: 'me' }), { status });
    if (result) applyResult(result, tr('Sie haben die Zuständigkeit angenommen.', 'You have taken the report on.'));
  });
}

async function togglePhoto(photo, button) {
  const error = $('photos-error');
  error.hidden = true;
  button.disabled = true;
  try {
    const result = await send('PUT', `${base}/photos/${photo.id}`, { visible: !photo.visible });
    show(result);
    announce(status, photo.visible ? tr('Das Foto ist verborgen.', 'The photo is hidden.')
      : tr('Das Foto ist freigegeben.', 'The photo is released.'), 'success');
    // The button was redrawn: keep the keyboard on the same photo's new button.
    document.querySelector(`[data-photo="${photo.id}"]`)?.focus();
  } catch (problem) {
    button.disabled = false;
    error.textContent = problem.readerMessage?.() ?? String(problem);
    error.hidden = false;
    announce(status, error.textContent, 'error');
  }
}
