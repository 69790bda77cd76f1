// One public report (`report.html?id=…`, the page mails link to): its light and since when,
// the close reason, the place on a small map, photos, with whom it was (forwarding chain), the
// public history, "me too" with its count, a form to follow it by email, and with the
// reporter's key a button that removes their contact data from it.
import { ApiProblem, getJson, loadCategories, send } from './api.js';
import { $, clearErrorsOnEdit, clearFieldErrors, el, showFieldError } from './dom.js';
import { formatDate, formatDeadline, lang, tr } from './i18n.js';
import { lightBadge, reasonName } from './lights.js';
import { createMap, lightMarker } from './map.js';
import { announce, initPage } from './page.js';
import { authorityHref, categoryName, lightAge, placeName, reportHref, supportersText } from './public-common.js';
import { setUpFeedback } from './feedback-form.js';

initPage('Meldung', 'Report');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function start() {
  const params = new URLSearchParams(location.search);
  const id = params.get('id')?.trim() ?? '';
  if (!UUID.test(id)) return showNotFound();
  // The reporter's own link carries their key: it shows the report before it is public too.
  const key = params.get('key')?.trim() ?? '';
  let report;
  try {
    report = await getJson(`/api/v1/reports/${encodeURIComponent(id)}${key ? `?key=${encodeURIComponent(key)}` : ''}`);
  } catch (problem) {
    if (problem instanceof ApiProblem && problem.status === 404) return showNotFound();
    $('loading').hidden = true;
    const error = $('load-error');
    error.textContent = `${tr('Die Meldung konnte nicht geladen werden: ', 'The report could not be loaded: ')}${problem.readerMessage?.() ?? problem}`;
    error.hidden = false;
    return undefined;
  }
  const categories = await loadCategories().catch(() => []);
  render(report, new Map(categories.map((c) => [c.code, categoryName(c)])));
  if (key) setUpErase(report.id, key);
  return undefined;
}

function showNotFound() {
  $('loading').hidden = true;
  $('not-found').hidden = false;
  document.title = `${tr('Meldung nicht gefunden', 'Report not found')} – Bürgerbüro`;
}

function render(report, categoryNames) {
  const title = categoryName(report.category);
  document.title = `${title}: ${report.area.name} – Bürgerbüro`;
  $('report-title').textContent = title;
  $('report-status').replaceChildren(...statusBlock(report));
  if (report.light) $('report-status').classList.add(`status-${report.light}`);
  $('report-description').textContent = report.description;
  $('report-facts').replaceChildren(...facts(report));
  renderPhotos(report.photos);
  $('chain').replaceChildren(...chain(report));
  renderHistory(report, categoryNames);
  $('loading').hidden = true;
  $('report').hidden = false;
  const published = report.visibility === 'published' && report.status !== 'unconfirmed';
  // Only public reports can be followed; the reporter gets mails about their own anyway.
  $('follow-form').closest('section').hidden = !published;
  if (published) setUpFollow(report.id);
  // Every public report shows its count; only an open one (red, yellow) takes more voices.
  $('support-section').hidden = !published;
  if (published) setUpSupport(report);
  // After a citizen's answer its entry shows in the history at once.
  setUpFeedback(report, new URLSearchParams(location.search),
    async () => renderHistory(await getJson(`/api/v1/reports/${encodeURIComponent(report.id)}`), categoryNames));
  areaFeed(report);
  showOnMap(report);
}

function renderHistory(report, categoryNames) {
  // The n-th forwarding in the history is the (n+1)-th entry of the chain: name its target.
  const targets = (report.authority_chain ?? []).slice(1);
  let forwardings = 0;
  $('history').replaceChildren(...report.history.map((entry) => historyItem(entry, categoryNames,
    entry.kind === 'forwarded' ? targets[forwardings++] : null)));
}

/** The Atom feed of the report's Gemeinde or Bezirk, and mail alerts for its surroundings. */
function areaFeed(report) {
  const feed = `/api/v1/feeds/reports.atom?area=${encodeURIComponent(report.area.key)}`;
  const link = $('area-feed');
  link.href = feed;
  link.textContent = tr(`Alle Meldungen in ${report.area.name} als Atom-Feed`, `All reports in ${report.area.name} as an Atom feed`);
  const { lat, lon } = report.location;
  $('area-alerts').href = `/alerts.html?${new URLSearchParams({ lat: lat.toFixed(5), lon: lon.toFixed(5), radius_m: '500' })}`;
  document.head.append(el('link', {
    rel: 'alternate', type: 'application/atom+xml', href: feed,
    title: tr(`Meldungen in ${report.area.name}`, `Reports in ${report.area.name}`),
  }));
}

/** What the reporter's own link shows while the public cannot see the report yet. */
function notPublicYet(report) {
  if (report.status === 'unconfirmed') {
    return tr('Eingegangen – bitte bestätigen Sie Ihre E-Mail-Adresse mit dem Link in unserer E-Mail. Erst dann geht die Meldung an die Behörde.',
      'Received – please confirm your email address with the link in our email. Only then does the report go to the authority.');
  }
  if (report.visibility === 'pending') {
    return tr('Eingegangen – die Behörde prüft die Meldung vor der Veröffentlichung. Bis dahin sehen nur Sie diese Seite, über Ihren persönlichen Link.',
      'Received – the authority checks the report before it is published. Until then only you see this page, through your personal link.');
  }
  if (report.visibility === 'hidden') {
    return tr('Die Behörde hat die Meldung nicht veröffentlicht. Nur Sie sehen diese Seite, über Ihren persönlichen Link.',
      'The authority has not published the report. Only you see this page, through your personal link.');
  }
  return null;
}

/** The light, how long it has shown, and for yellow-green the public reason. */
function statusBlock(report) {
  const notice = notPublicYet(report);
  const parts = [
    notice ? el('p', { class: 'hint', id: 'not-public-notice' }, notice) : null,
    report.light ? el('p', { class: 'status-light' }, lightBadge(report.light)) : null,
    el('p', { class: 'status-since' },
      `${lightAge(report)} `,
      el('span', { class: 'meta-inline' }, '(', tr('seit ', 'since '),
        el('time', { datetime: report.status_since }, formatDate(report.status_since)), ')')),
  ];
  const reason = report.close_reason;
  if (reason) {
    parts.push(el('p', { class: 'close-reason' },
      el('strong', {}, tr('Grund: ', 'Reason: ')), reasonName(reason.reason),
      reason.detail ? ` – ${reason.detail}` : '',
      reason.duplicate_of ? [' ', el('a', { href: reportHref(reason.duplicate_of) },
        tr('zur ursprünglichen Meldung', 'to the original report'))] : ''));
  }
  if (report.overdue) {
    parts.push(el('p', { class: 'hint' }, tr(
      `Die Behörde hat die Frist für eine erste Reaktion (${formatDeadline(report.reaction_due_at)}) überschritten.`,
      `The authority has missed the deadline for a first reaction (${formatDeadline(report.reaction_due_at)}).`)));
  }
  return parts.filter(Boolean);
}

function facts(report) {
  const rows = [
    [tr('Ort', 'Place'), placeName(report)],
    [tr('Gemeldet am', 'Filed on'), el('time', { datetime: report.created_at }, formatDate(report.created_at))],
    [tr('Zuständig', 'Responsible'), report.authority
      ? el('a', { href: authorityHref(report.authority.key) }, report.authority.name)
      : tr('nicht mehr bekannt', 'no longer known')],
  ];
  if (report.near_border) {
    rows.push([tr('Hinweis', 'Note'), tr('Der Ort liegt nahe der Grenze zu einer anderen Zuständigkeit.',
      'The place lies close to the border of another authority\'s area.')]);
  }
  if (report.first_reaction_at) {
    rows.push([tr('Erste Reaktion', 'First reaction'),
      el('time', { datetime: report.first_reaction_at }, formatDate(report.first_reaction_at))]);
  } else if (report.reaction_due_at) {
    rows.push([tr('Erste Reaktion fällig', 'First reaction due'),
      el('time', { datetime: report.reaction_due_at }, formatDeadline(report.reaction_due_at))]);
  }
  if (report.duplicates?.length) {
    rows.push([tr('Doppelmeldungen', 'Duplicates'), report.duplicates.map((id, i) => [i ? ', ' : '',
      el('a', { href: reportHref(id) }, tr(`Meldung ${i + 1}`, `report ${i + 1}`))])]);
  }
  return rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]);
}

function renderPhotos(photos) {
  if (photos.length === 0) return;
  $('photos-section').hidden = false;
  $('photos').replaceChildren(...photos.map((photo, i) => {
    const label = tr(`Foto ${i + 1} von ${photos.length}`, `Photo ${i + 1} of ${photos.length}`);
    return el('li', {}, el('a', { href: photo.web_url, class: 'photo-link' },
      el('img', { src: photo.thumb_url, alt: tr(`${label}, vergrößern`, `${label}, enlarge`) })));
  }));
}

/** With whom the report was: the first authority, then every forwarding, oldest first. */
function chain(report) {
  const entries = report.authority_chain?.length ? report.authority_chain
    : [{ key: report.authority?.key, authority: report.authority, since: report.created_at }];
  return entries.map((entry, i) => {
    const current = i === entries.length - 1;
    const name = entry.authority
      ? el('a', { href: authorityHref(entry.key) }, entry.authority.name)
      : `${tr('Behörde', 'Authority')} ${entry.key}`;
    return el('li', { class: current ? 'chain-current' : null, 'aria-current': current ? 'step' : false },
      el('span', { class: 'chain-what' }, i === 0 ? tr('Zuerst zuständig: ', 'First responsible: ')
        : tr('Weitergeleitet an ', 'Forwarded to ')),
      name, ' ',
      el('span', { class: 'meta-inline' }, tr('seit ', 'since '),
        el('time', { datetime: entry.since }, formatDate(entry.since))),
      current && entries.length > 1 ? el('span', { class: 'meta-inline' }, tr(' (jetzt zuständig)', ' (responsible now)')) : null);
  });
}

function historyItem(entry, categoryNames, forwardedTo) {
  // The server names the event and the light it set (`label`, `light`).
  const { de, en } = entry.label;
  let text = entry.text;
  let body = null;
  if (entry.kind === 'duplicate_linked' && text) {
    body = el('p', {}, el('a', { href: reportHref(text) }, tr('zur Doppelmeldung', 'to the duplicate')));
  } else if (entry.kind === 'category_changed' && text) {
    text = text.split(' → ').map((code) => categoryNames.get(code) ?? code).join(' → ');
    body = el('p', {}, text);
  } else if (forwardedTo?.authority) {
    body = el('p', {}, tr('an ', 'to '), el('a', { href: authorityHref(forwardedTo.key) }, forwardedTo.authority.name));
  } else if (text) {
    body = el('blockquote', { class: 'answer' }, el('p', {}, text));
  }
  return el('li', {},
    el('p', { class: 'history-head' },
      el('time', { datetime: entry.at }, formatDate(entry.at)), ': ', el('strong', {}, tr(de, en))),
    entry.light ? el('p', {}, lightBadge(entry.light)) : null,
    body,
    entry.photos?.length ? entryPhotos(entry.photos) : null);
}

/** Photos sent with an entry: the authority's with an answer, a citizen's with feedback. */
function entryPhotos(photos) {
  return el('ul', { class: 'photos answer-photos' }, photos.map((photo, i) => {
    const label = tr(`Foto ${i + 1} von ${photos.length} zu diesem Eintrag`, `Photo ${i + 1} of ${photos.length} with this entry`);
    return el('li', {}, el('a', { href: photo.web_url, class: 'photo-link' },
      el('img', { src: photo.thumb_url, alt: tr(`${label}, vergrößern`, `${label}, enlarge`) })));
  }));
}

async function showOnMap(report) {
  const { lat, lon } = report.location;
  try {
    const map = await createMap($('report-map'), { center: [lat, lon], zoom: 16 });
    const marker = lightMarker(lat, lon, report.light, categoryName(report.category));
    marker.bindPopup(el('p', {}, placeName(report))).addTo(map);
  } catch (error) {
    $('report-map').hidden = true;
    console.warn(error);
  }
}

function showSupporters(count) {
  $('support-count').textContent = count ? supportersText(count)
    : tr('Noch niemand hat „Ich auch“ gesagt.', 'Nobody has said “me too” yet.');
}

/**
 * `POST /supporters`: without an address counted at once (201 with the new count); with one,
 * the service mails a confirmation link (202 whatever the address), and `follow` asks for the
 * status mails too.
 */
function setUpSupport(report) {
  showSupporters(report.supporters);
  const open = report.light === 'red' || report.light === 'yellow';
  $('support-open').hidden = !open;
  if (!open) return;
  const form = $('support-form');
  const result = $('support-result');
  clearErrorsOnEdit(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    result.replaceChildren();
    const email = $('support-email').value.trim();
    const follow = $('support-follow').checked;
    if (follow && !email) {
      showFieldError('support-email', tr('Um informiert zu werden, geben Sie bitte Ihre E-Mail-Adresse an.',
        'To be kept informed, please enter your email address.'));
      $('support-email').focus();
      return;
    }
    const button = $('support-button');
    button.disabled = true;
    try {
      const body = email ? { email, language: lang(), follow } : {};
      const answer = await send('POST', `/api/v1/reports/${encodeURIComponent(report.id)}/supporters`, body);
      if (answer.status === 'counted') {
        showSupporters(answer.supporters);
        announce(result, tr('Danke! Ihre Stimme zählt.', 'Thank you! Your voice counts.'), 'success');
      } else {
        announce(result, tr(answer.detail_de, answer.detail), 'success');
      }
      form.reset();
    } catch (problem) {
      const emailError = (problem.fieldErrors?.() ?? []).find((e) => e.field === 'email');
      if (emailError && showFieldError('support-email', tr('Bitte geben Sie eine gültige E-Mail-Adresse an.',
        'Please enter a valid email address.'))) {
        $('support-email').focus();
      } else {
        announce(result, problem.readerMessage?.() ?? String(problem), 'error');
      }
    } finally {
      button.disabled = false;
    }
  });
}

/** `POST /followers`: the service mails a confirmation link; 202 whatever the address. */
function setUpFollow(id) {
  const form = $('follow-form');
  const result = $('follow-result');
  clearErrorsOnEdit(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    result.replaceChildren();
    const email = $('follow-email').value.trim();
    if (!email) {
      showFieldError('follow-email', tr('Bitte geben Sie Ihre E-Mail-Adresse an.', 'Please enter your email address.'));
      $('follow-email').focus();
      return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const answer = await send('POST', `/api/v1/reports/${encodeURIComponent(id)}/followers`, { email, language: lang() });
      announce(result, tr(answer.detail_de, answer.detail), 'success');
      form.reset();
    } catch (problem) {
      const fieldErrors = problem.fieldErrors?.() ?? [];
      const emailError = fieldErrors.find((e) => e.field === 'email');
      // The per-field detail is English only; the reader gets a sentence in their language.
      if (emailError && showFieldError('follow-email', tr('Bitte geben Sie eine gültige E-Mail-Adresse an.',
        'Please enter a valid email address.'))) {
        $('follow-email').focus();
      } else {
        announce(result, problem.readerMessage?.() ?? String(problem), 'error');
      }
    } finally {
      button.disabled = false;
    }
  });
}

/** The reporter's own link: `DELETE …/contact?key=` removes their address and name (204). */
function setUpErase(id, key) {
  const form = $('erase-form');
  const result = $('erase-result');
  $('erase-section').hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await send('DELETE', `/api/v1/reports/${encodeURIComponent(id)}/contact?key=${encodeURIComponent(key)}`);
      announce(result, tr('Ihre E-Mail-Adresse und Ihr Name sind aus der Meldung gelöscht.',
        'Your email address and name are removed from the report.'), 'success');
    } catch (problem) {
      announce(result, problem.readerMessage?.() ?? String(problem), 'error');
      button.disabled = false;
    }
  });
}

start();
