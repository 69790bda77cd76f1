// The clerk start page: the log-in form when nobody is signed in, otherwise the inbox of the
// account's authorities with filters (kept in the address, so a filtered view can be
// bookmarked and Back works), overdue markers in words, counts per status and cursor paging.
import { getJson, loadCategories } from './api.js';
import { $, clearErrorsOnEdit, el } from './dom.js';
import { formatDate, formatDeadline, formatDuration, pick, plural, tr } from './i18n.js';
import { lightBadge, statusName } from './lights.js';
import { announce, initPage } from './page.js';
import { submitForm, requireText } from './clerk-forms.js';
import { accountLine, currentAccount, safeNext, signIn, signOut } from './clerk-session.js';

const FILTERS = ['status', 'visibility', 'category', 'authority', 'assignee', 'q', 'order', 'overdue', 'reopen_requested'];
// Filters that are check boxes: present as `true` when ticked.
const CHECKS = ['overdue', 'reopen_requested'];
const DEFAULTS = { status: 'open,in_progress', order: 'oldest' };

initPage('Für Behörden', 'For authorities');
start();

async function start() {
  wireLogin();
  let me;
  try {
    me = await currentAccount();
  } catch (error) {
    $('loading').textContent = error.readerMessage?.() ?? String(error);
    $('loading').classList.add('error');
    return;
  }
  $('loading').hidden = true;
  if (me) showInbox(me); else showLogin();
}

function showLogin() {
  $('inbox-section').hidden = true;
  $('login-section').hidden = false;
  $('login-next').hidden = !safeNext();
  document.title = `${tr('Anmelden', 'Sign in')} – Bürgerbüro`;
}

function wireLogin() {
  const form = $('login-form');
  clearErrorsOnEdit(form, 'login-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const me = await submitForm(form, 'login', () => {
      const email = requireText('login', 'email', 'Bitte geben Sie Ihre E-Mail-Adresse ein.', 'Please enter your email address.');
      const password = $('login-password').value;
      if (!password) requireText('login', 'password', 'Bitte geben Sie Ihr Passwort ein.', 'Please enter your password.');
      return signIn(email, password);
    });
    if (!me) return;
    $('login-password').value = '';
    const next = safeNext();
    if (next) {
      location.assign(next);
      return;
    }
    await showInbox(me);
    // The form the focus was in is gone: continue at the top of the inbox.
    $('main').focus();
  });
}

let account;

async function showInbox(me) {
  account = me;
  $('login-section').hidden = true;
  $('inbox-section').hidden = false;
  document.title = `${tr('Posteingang', 'Inbox')} – Bürgerbüro`;
  $('signed-in-as').replaceChildren(...accountLine(me));
  await fillFilterChoices(me);
  readFiltersFromAddress();
  await loadInbox();
}

let wired = false;
async function fillFilterChoices(me) {
  if (wired) return;
  wired = true;
  const categories = await loadCategories().catch(() => []);
  $('f-category').append(...categories.map((c) => el('option', { value: c.code }, pick(c, 'name'))));
  if (me.authorities.length > 1) {
    $('f-authority-row').hidden = false;
    $('f-authority').append(...me.authorities.map((key) => el('option', { value: key }, key)));
  }
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    writeFiltersToAddress();
    loadInbox();
  });
  $('filters').addEventListener('reset', () => {
    // After the browser has reset the fields, put the defaults back and reload.
    setTimeout(() => {
      $('f-status').value = DEFAULTS.status;
      $('f-order').value = DEFAULTS.order;
      writeFiltersToAddress();
      loadInbox();
    });
  });
  $('more').addEventListener('click', () => loadInbox(nextCursor));
  $('logout').addEventListener('click', async () => {
    try {
      await signOut();
    } catch (error) {
      announce($('inbox-status'), error.readerMessage?.() ?? String(error), 'error');
      return;
    }
    $('inbox-list').replaceChildren();
    $('counts').replaceChildren();
    showLogin();
    announce($('login-status'), tr('Sie sind abgemeldet.', 'You are signed out.'), 'success');
    $('login-email').focus();
  });
  window.addEventListener('popstate', () => {
    readFiltersFromAddress();
    loadInbox();
  });
}

function readFiltersFromAddress() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const input = $(`f-${name}`);
    if (CHECKS.includes(name)) input.checked = params.get(name) === 'true';
    else input.value = params.has(name) ? params.get(name) : (DEFAULTS[name] ?? '');
    // A value the select does not offer (an old link) falls back to the default.
    if (input.tagName === 'SELECT' && input.selectedIndex < 0) input.value = DEFAULTS[name] ?? '';
  }
}

function writeFiltersToAddress() {
  const params = new URLSearchParams();
  for (const [name, value] of filterValues()) params.set(name, value);
  const url = new URL(location.href);
  url.search = params.toString();
  history.pushState(null, '', url);
}

/** The filters as query pairs; the status choice is sent even when "all" (empty) is chosen. */
function filterValues() {
  const pairs = [];
  for (const name of FILTERS) {
    const input = $(`f-${name}`);
    if (CHECKS.includes(name)) {
      if (input.checked) pairs.push([name, 'true']);
    } else if (name === 'status') {
      // Reopen requests wait on green and yellow-green reports: asked for, every status counts.
      pairs.push(['status', $('f-reopen_requested').checked ? '' : input.value]);
    } else if (input.value.trim()) {
      pairs.push([name, input.value.trim()]);
    }
  }
  return pairs;
}

let nextCursor = null;
/** Counts the loads: only the newest one may draw the list. */
let latestLoad = 0;

async function loadInbox(cursor = null) {
  // A slow answer to an earlier load (the first page while the clerk already filtered) must
  // not overwrite the answer to the filters now shown.
  const ticket = ++latestLoad;
  const params = new URLSearchParams(filterValues().filter(([, v]) => v !== ''));
  params.set('limit', '25');
  if (cursor) params.set('cursor', cursor);
  const list = $('inbox-list');
  const status = $('inbox-status');
  $('filters-error').hidden = true;
  list.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await getJson(`/api/v1/admin/reports?${params}`);
  } catch (error) {
    if (ticket !== latestLoad) return;
    list.removeAttribute('aria-busy');
    if (error.status === 401) {
      showLogin();
      announce($('login-status'), tr('Ihre Sitzung ist abgelaufen. Bitte melden Sie sich wieder an.',
        'Your session has ended. Please sign in again.'), 'error');
      return;
    }
    for (const { field, detail } of error.fieldErrors?.() ?? []) {
      if (field === 'q') { $('f-q-error').textContent = detail; $('f-q-error').hidden = false; }
    }
    $('filters-error').textContent = error.readerMessage?.() ?? String(error);
    $('filters-error').hidden = false;
    return;
  }
  if (ticket !== latestLoad) return;
  list.removeAttribute('aria-busy');
  const items = page.reports.map(inboxItem);
  if (cursor) list.append(...items); else list.replaceChildren(...items);
  nextCursor = page.next_cursor;
  $('more').hidden = !nextCursor;
  renderCounts(page.counts);
  const shown = list.children.length;
  announce(status, shown === 0
    ? tr('Keine Meldungen für diese Filter.', 'No reports for these filters.')
    : `${plural(shown, 'Meldung', 'Meldungen', 'report', 'reports')} ${tr('angezeigt', 'shown')}${nextCursor ? tr(', weitere vorhanden', ', more available') : ''}.`);
  // After "load more", continue where the new items start.
  if (cursor && items[0]) items[0].querySelector('a').focus();
}

function renderCounts(counts) {
  const order = ['open', 'in_progress', 'resolved', 'closed', 'unconfirmed'];
  $('counts').replaceChildren(...order.filter((s) => counts[s]).map((s) =>
    el('li', {}, `${statusName(s)}: `, el('strong', {}, String(counts[s])))));
}

/** One report in the list: the link names it; light, overdue and visibility are words too. */
function inboxItem(report) {
  const title = `${pick(report.category, 'name')}: ${shorten(report.description, 80)}`;
  const flags = el('p', { class: 'flags' },
    report.light ? lightBadge(report.light) : el('span', { class: 'tag' }, statusName(report.status)),
    report.overdue ? el('span', { class: 'tag tag-overdue' },
      el('span', { 'aria-hidden': 'true' }, '⚠ '), tr('Überfällig', 'Overdue')) : null,
    report.visibility !== 'published' ? el('span', { class: `tag tag-${report.visibility}` },
      report.visibility === 'hidden' ? tr('Verborgen', 'Hidden') : tr('Zu prüfen', 'To moderate')) : null,
    report.reopen_requested_at ? el('span', { class: 'tag tag-reopen' },
      tr('Laut Bürger*in nicht behoben', 'Citizen says: not fixed')) : null,
    report.supporters ? el('span', { class: 'tag tag-supporters' }, report.supporters === 1
      ? tr('1 × „Ich auch“', '1 × “me too”')
      : tr(`${report.supporters} × „Ich auch“`, `${report.supporters} × “me too”`)) : null);
  const due = report.first_reaction_at
    ? null
    : report.reaction_due_at && `${tr('Reaktion fällig', 'Reaction due')} ${formatDeadline(report.reaction_due_at)}`;
  return el('li', { class: `inbox-item${report.overdue ? ' is-overdue' : ''}` },
    el('h2', { class: 'inbox-title' },
      // The filing time in the link (for screen readers) keeps equal-sounding reports apart.
      el('a', { href: `/clerk/report.html?id=${report.id}` }, title,
        el('span', { class: 'visually-hidden' }, `, ${tr('eingegangen', 'filed')} ${formatDate(report.created_at)}`))),
    flags,
    el('p', { class: 'meta' },
      [report.address, report.area?.name].filter(Boolean).join(' · '),
      el('br'),
      `${tr('Eingegangen', 'Filed')}: ${formatDate(report.created_at)} · `,
      `${statusName(report.status)} ${tr('seit', 'for')} ${formatDuration(report.status_age_seconds)}`,
      due ? [el('br'), due] : null,
      report.authority ? [el('br'), report.authority.name] : null,
      el('br'), `${tr('Zuständig', 'In charge')}: ${report.assignee?.name ?? tr('niemand', 'nobody')}`));
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
