// The alerts page (`alerts.html`, optionally `?area=…`, `?authority=…` or
// `?lat=…&lon=…&radius_m=…`, each with `&category=…`): choose a selection, see it in words
// (the title of its Atom feed, which also checks it), subscribe to its daily digest by mail
// (`POST /api/v1/alerts`) or take its feed.
import { loadCategories, send } from './api.js';
import { $, clearFieldErrors, el, showFieldError } from './dom.js';
import { lang, pick, tr } from './i18n.js';
import { announce, initPage } from './page.js';

initPage('Benachrichtigungen und Feeds', 'Alerts and feeds');

const form = $('alert-form');
const FIELDS = ['lat', 'lon', 'radius_m', 'area', 'authority', 'category', 'email'];

/** The chosen scope: `circle`, `area` or `authority`. */
function scope() {
  return form.querySelector('input[name=scope]:checked').value;
}

/** The selection as the API names it (JSON numbers for the circle). */
function selection() {
  const chosen = {};
  if (scope() === 'circle') {
    chosen.lat = Number($('lat').value.trim().replace(',', '.'));
    chosen.lon = Number($('lon').value.trim().replace(',', '.'));
    chosen.radius_m = Number($('radius_m').value);
  } else {
    chosen[scope()] = $(scope()).value.trim();
  }
  const category = $('category').value;
  if (category) chosen.category = category;
  return chosen;
}

/** Whether the selection is filled in enough to ask the service about it. */
function complete(chosen) {
  if (scope() === 'circle') return $('lat').value.trim() !== '' && $('lon').value.trim() !== '';
  return chosen[scope()] !== '';
}

function feedPath(chosen) {
  return `/api/v1/feeds/reports.atom?${new URLSearchParams(chosen)}`;
}

/** Shows the fields of the chosen scope only. */
function showScope() {
  $('circle-fields').hidden = scope() !== 'circle';
  $('area-fields').hidden = scope() !== 'area';
  $('authority-fields').hidden = scope() !== 'authority';
}

let asked = 0;
/** Names the selection in words (the feed's title) and points the feed links at its feed. */
async function describe() {
  const chosen = selection();
  const box = $('selection');
  const link = $('feed-link');
  document.querySelector('link[rel=alternate][type="application/atom+xml"]')?.remove();
  if (!complete(chosen)) {
    box.textContent = tr('Bitte wählen Sie aus, was Sie beobachten möchten.', 'Please choose what to watch.');
    link.hidden = true;
    return;
  }
  const path = feedPath(chosen);
  const mine = ++asked;
  let title;
  try {
    const response = await fetch(path, { headers: { Accept: 'application/atom+xml' } });
    if (!response.ok) {
      const problem = await response.json();
      if (mine !== asked) return;
      box.textContent = tr(problem.detail_de, problem.detail);
      link.hidden = true;
      return;
    }
    const feed = new DOMParser().parseFromString(await response.text(), 'application/xml');
    title = feed.querySelector('feed > title')?.textContent ?? '';
  } catch {
    return;
  }
  if (mine !== asked) return;
  box.textContent = `${tr('Ihre Auswahl: ', 'Your selection: ')}${title}`;
  link.href = path;
  link.hidden = false;
  document.head.append(el('link', { rel: 'alternate', type: 'application/atom+xml', title, href: path }));
}

/** Fills the form from the page's query (links from the map, an authority or a report). */
function fromQuery() {
  const params = new URLSearchParams(location.search);
  for (const name of ['area', 'authority']) {
    if (params.get(name)) {
      $(name).value = params.get(name);
      $(`scope-${name}`).checked = true;
    }
  }
  if (params.get('lat') && params.get('lon')) {
    $('lat').value = params.get('lat');
    $('lon').value = params.get('lon');
    $('scope-circle').checked = true;
  }
  const radius = params.get('radius_m');
  if (radius && [...$('radius_m').options].some((o) => o.value === radius)) $('radius_m').value = radius;
  return params.get('category') ?? '';
}

async function start() {
  const category = fromQuery();
  showScope();
  try {
    const categories = await loadCategories();
    $('category').append(...categories.map((c) => el('option', { value: c.code }, pick(c, 'name'))));
    if (categories.some((c) => c.code === category)) $('category').value = category;
  } catch { /* the list of all categories still works */ }
  describe();
  form.addEventListener('change', () => {
    showScope();
    describe();
  });
  form.addEventListener('submit', subscribe);
}

/** `POST /api/v1/alerts`: 202 whatever the address; refusals go next to their field. */
async function subscribe(event) {
  event.preventDefault();
  clearFieldErrors(form);
  const result = $('alert-result');
  result.replaceChildren();
  const email = $('email').value.trim();
  if (!email) {
    showFieldError('email', tr('Bitte geben Sie Ihre E-Mail-Adresse an.', 'Please enter your email address.'));
    $('email').focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const answer = await send('POST', '/api/v1/alerts', { email, language: lang(), ...selection() });
    announce(result, tr(answer.detail_de, answer.detail), 'success');
    $('email').value = '';
  } catch (problem) {
    const field = (problem.fieldErrors?.() ?? []).map((e) => e.field).find((f) => FIELDS.includes(f));
    const message = problem.readerMessage?.() ?? String(problem);
    if (field && showFieldError(field, message)) {
      $(field).focus();
    } else {
      announce(result, message, 'error');
    }
  } finally {
    button.disabled = false;
  }
}

start();
