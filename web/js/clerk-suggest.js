// Suggestions that spare a clerk in the field from typing keys and UUIDs: for forwarding, the
// authorities the service itself would route this place to (per category, plus neighbouring
// areas near a border); for duplicates, open reports of the same category close by. Both are
// fetched only when the clerk opens that action.
import { getJson, loadCategories } from './api.js';
import { $, el } from './dom.js';
import { pick, tr } from './i18n.js';
import { announce } from './page.js';
import { shortId } from './clerk-report-view.js';

export function wireSuggestions({ getReport }) {
  onFirstOpen('act-forward', () => forwardCandidates(getReport()));
  onFirstOpen('act-duplicate', () => duplicateCandidates(getReport()));
}

function onFirstOpen(detailsId, load) {
  const details = $(detailsId);
  let loaded = false;
  details.addEventListener('toggle', () => {
    if (!details.open || loaded) return;
    loaded = true;
    load().catch(() => { loaded = false; });
  });
}

async function forwardCandidates(report) {
  const { lat, lon } = report.location;
  $('forward-candidates').replaceChildren(el('li', { class: 'meta' }, tr('Vorschläge werden geladen …', 'Loading suggestions …')));
  const categories = await loadCategories().catch(() => []);
  // Here, per category (routing may name a Kreis or a state agency), and the municipal
  // authorities around the place (a report on a district border often belongs next door).
  const asks = [`/api/v1/jurisdiction?lat=${lat}&lon=${lon}`,
    ...categories.map((c) => `/api/v1/jurisdiction?lat=${lat}&lon=${lon}&category=${encodeURIComponent(c.code)}`),
    ...around(lat, lon).map(([a, o]) => `/api/v1/jurisdiction?lat=${a.toFixed(5)}&lon=${o.toFixed(5)}`)];
  const answers = await Promise.all(asks.map((url) => getJson(url).catch(() => null)));
  const found = new Map();
  for (const answer of answers.filter(Boolean)) {
    for (const authority of [answer.authority, answer.municipal_authority, ...answer.neighbouring_authorities]) {
      if (authority && authority.key !== report.authority?.key) found.set(authority.key, authority);
    }
  }
  const authorities = [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
  $('forward-suggestions').replaceChildren(...authorities.map((a) => el('option', { value: a.key }, a.name)));
  if (authorities.length === 0) {
    $('forward-candidates').replaceChildren(el('li', { class: 'meta' },
      tr('Für diesen Ort kennt der Dienst keine andere Behörde; geben Sie den Schlüssel ein.',
        'The service knows no other authority for this place; enter the key.')));
  }
  $('forward-candidates').dataset.loaded = 'true';
  if (authorities.length) $('forward-candidates').replaceChildren(...authorities.map((a) => el('li', {},
    el('button', {
      type: 'button', class: 'secondary candidate',
      onclick: () => choose('forward-authority', a.key, a.name),
    }, `${tr('Übernehmen', 'Use')}: ${a.name} (${a.key})`))));
}

async function duplicateCandidates(report) {
  const params = new URLSearchParams({ status: 'open,in_progress', category: report.category.code, limit: '200' });
  const inbox = await getJson(`/api/v1/admin/reports?${params}`);
  const near = inbox.reports
    .filter((r) => r.id !== report.id)
    .map((r) => ({ r, m: metres(report.location, r.location) }))
    .filter(({ m }) => m <= 500)
    .sort((a, b) => a.m - b.m)
    .slice(0, 8);
  const list = $('duplicate-candidates');
  if (near.length === 0) {
    list.replaceChildren(el('li', { class: 'meta' },
      tr('Keine offene Meldung derselben Kategorie im Umkreis von 500 m.', 'No open report of the same category within 500 m.')));
    return;
  }
  list.replaceChildren(...near.map(({ r, m }) => el('li', {},
    el('button', {
      type: 'button', class: 'secondary candidate',
      onclick: () => choose('duplicate-of', r.id, `${pick(r.category, 'name')}, ${Math.round(m)} m`),
    }, `${tr('Als Original übernehmen', 'Use as original')}: ${short(r.description)} – ${Math.round(m)} m, ${shortId(r.id)}`))));
}

/** Points 2 and 5 km away in eight directions. */
function around(lat, lon) {
  const points = [];
  for (const km of [2, 5]) {
    for (let i = 0; i < 8; i++) {
      const angle = (i * Math.PI) / 4;
      points.push([lat + (km / 111.2) * Math.cos(angle),
        lon + (km / (111.2 * Math.cos((lat * Math.PI) / 180))) * Math.sin(angle)]);
    }
  }
  return points;
}

function choose(inputId, value, name) {
  $(inputId).value = value;
  // The field is filled now: an earlier "please fill in" no longer applies.
  $(inputId).removeAttribute('aria-invalid');
  if ($(`${inputId}-error`)) $(`${inputId}-error`).hidden = true;
  $(inputId).focus();
  announce($('action-status'), tr(`Übernommen: ${name}.`, `Chosen: ${name}.`));
}

function short(text) {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Great-circle distance in metres (haversine); plenty for "is it across the street". */
function metres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(h));
}
