// German first, English on request. Pages are written in German; an element's English text
// sits beside it in `data-en` (and `data-en-aria-label`, `data-en-placeholder`, `data-en-title`
// for attributes), so a page stays readable in one file and needs no string tables.
const STORAGE_KEY = 'bb-lang';

/** The current language: `?lang=` wins, then the stored choice, then German. */
export function lang() {
  const fromQuery = new URLSearchParams(location.search).get('lang');
  if (fromQuery === 'de' || fromQuery === 'en') return fromQuery;
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'de';
  } catch {
    return 'de';
  }
}

/**
 * Remembers the language and reloads, so every script renders in it from the start; what was
 * typed into the page's forms is kept and put back (`restoreFormState`).
 */
export async function switchLang(next) {
  saveFormState();
  await Promise.all(switchHooks.map((hook) => Promise.resolve().then(hook).catch(() => {})));
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch { /* private mode: the query parameter still works */ }
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  location.replace(url);
}

const switchHooks = [];
/** `hook()` (may be async) runs before the language switch reloads the page: keep state. */
export function beforeLanguageSwitch(hook) {
  switchHooks.push(hook);
}

/** Picks the text for the current language. */
export function tr(de, en) {
  return lang() === 'en' ? en : de;
}

/** `obj[base_de]` or `obj[base_en]` (categories, notices), German when English is missing. */
export function pick(obj, base) {
  return (lang() === 'en' && obj[`${base}_en`]) || obj[`${base}_de`];
}

const ATTRIBUTES = ['aria-label', 'placeholder', 'title', 'alt'];

/** Puts the English texts of `root` in place when the page is shown in English. */
export function translateStatic(root = document) {
  document.documentElement.lang = lang();
  if (lang() !== 'en') return;
  for (const el of root.querySelectorAll('[data-en]')) el.textContent = el.dataset.en;
  for (const name of ATTRIBUTES) {
    for (const el of root.querySelectorAll(`[data-en-${name}]`)) {
      el.setAttribute(name, el.getAttribute(`data-en-${name}`));
    }
  }
}

/** Dates and durations in the page's language. */
export function formatDate(iso) {
  return new Date(iso).toLocaleString(lang() === 'en' ? 'en-GB' : 'de-DE', {
    dateStyle: 'medium', timeStyle: 'short',
  });
}

/** "3 days", "5 hours" … for a number of seconds. */
export function formatDuration(seconds) {
  const units = [['day', 86400], ['hour', 3600], ['minute', 60]];
  const locale = lang() === 'en' ? 'en-GB' : 'de-DE';
  for (const [unit, size] of units) {
    if (seconds >= size) {
      return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' })
        .format(Math.floor(seconds / size));
    }
  }
  return tr('weniger als einer Minute', 'less than a minute');
}

/** "1 Meldung", "3 Meldungen" / "1 report", "3 reports": a count with the noun in its number. */
export function plural(n, deOne, deMany, enOne, enMany) {
  const number = new Intl.NumberFormat(lang() === 'en' ? 'en-GB' : 'de-DE').format(n);
  return `${number} ${n === 1 ? tr(deOne, enOne) : tr(deMany, enMany)}`;
}

const BERLIN = 'Europe/Berlin';

/**
 * A deadline for the reader. The service sets deadlines to the end of a working day, i.e.
 * 00:00 Berlin time of the next day; "bis 10.12., 00:00" would be read as the 10th, so such a
 * deadline names its last day: "bis einschließlich Mi., 9. Dez. 2026". Other times keep theirs.
 */
export function formatDeadline(iso) {
  const locale = lang() === 'en' ? 'en-GB' : 'de-DE';
  const at = new Date(iso);
  const [hour, minute] = new Intl.DateTimeFormat('en-GB', {
    timeZone: BERLIN, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(at).split(':').map(Number);
  if (hour === 0 && minute === 0) {
    const lastDay = new Date(at.getTime() - 60 * 1000);
    const day = lastDay.toLocaleDateString(locale, {
      timeZone: BERLIN, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    });
    return tr(`bis einschließlich ${day}`, `by the end of ${day}`);
  }
  return tr(`bis ${at.toLocaleString(locale, { timeZone: BERLIN, dateStyle: 'medium', timeStyle: 'short' })}`,
    `by ${at.toLocaleString(locale, { timeZone: BERLIN, dateStyle: 'medium', timeStyle: 'short' })}`);
}

// German needs the article of an authority's name after a preposition ("beim Bezirksamt
// Mitte", "bei der Gemeinde Briesen (Mark)", "an das Amt Odervorland"). Names start with (or
// contain) the kind of body, whose gender decides; unknown names get no article.
const FEMININE = /(stadt|gemeinde|verwaltung|ung|behörde|direktion|polizei)$/i;
const NEUTER = /(amt|bad|dorf|ministerium|büro|zentrum)$/i;
const MASCULINE = /(kreis|betrieb|bezirk|senat|dienst|verband)$/i;

function genderOf(name) {
  for (const word of name.split(/\s+/).slice(0, 4)) {
    const bare = word.replace(/[^\p{L}-]/gu, '');
    if (FEMININE.test(bare)) return 'f';
    if (NEUTER.test(bare)) return 'n';
    if (MASCULINE.test(bare)) return 'm';
  }
  return null;
}

/**
 * `name` after a German preposition with its article: `withArticle('bei', 'Bezirksamt Mitte')`
 * → "beim Bezirksamt Mitte"; prepositions: bei, von (dative), an, für (accusative).
 */
export function withArticle(preposition, name) {
  const gender = genderOf(name);
  if (!gender) return `${preposition} ${name}`;
  const dative = { f: 'der', n: 'dem', m: 'dem' }[gender];
  const accusative = { f: 'die', n: 'das', m: 'den' }[gender];
  switch (preposition) {
    case 'bei': return gender === 'f' ? `bei der ${name}` : `beim ${name}`;
    case 'von': return gender === 'f' ? `von der ${name}` : `vom ${name}`;
    case 'an': return `an ${accusative} ${name}`;
    case 'für': return `für ${accusative} ${name}`;
    default: return `${preposition} ${dative} ${name}`;
  }
}

// Saving a half-filled form across the language switch (which reloads the page).
const FORM_KEY = 'bb-form-state';

/** This page's address without `?lang=`, which the switch drops. */
function pageKey() {
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  return url.pathname + url.search;
}

function formFields() {
  return [...document.querySelectorAll('main input[id], main select[id], main textarea[id]')]
    // Not passwords or files, and not search boxes (put back, they would search again).
    .filter((f) => !['password', 'file', 'hidden', 'search'].includes(f.type));
}

/** Keeps what was typed on this page in sessionStorage, for `restoreFormState` after reload. */
export function saveFormState() {
  const fields = {};
  for (const field of formFields()) {
    const value = field.type === 'checkbox' || field.type === 'radio' ? field.checked : field.value;
    if (value !== '' && value !== false) fields[field.id] = value;
  }
  try {
    sessionStorage.setItem(FORM_KEY, JSON.stringify({ page: pageKey(), fields }));
  } catch { /* storage full or off: the switch still works, the values are lost */ }
}

/**
 * Puts back what `saveFormState` kept for this page (once) and fires `input` and `change` on
 * each field, so the page reacts as if it had been typed. Call it when the page's selects are
 * filled. Returns the ids restored.
 */
export function restoreFormState() {
  let saved;
  try {
    saved = JSON.parse(sessionStorage.getItem(FORM_KEY) ?? 'null');
    sessionStorage.removeItem(FORM_KEY);
  } catch {
    return [];
  }
  if (!saved || saved.page !== pageKey()) return [];
  const restored = [];
  for (const [id, value] of Object.entries(saved.fields ?? {})) {
    const field = document.getElementById(id);
    if (!field || field.type === 'password' || field.type === 'file') continue;
    if (field.type === 'checkbox' || field.type === 'radio') field.checked = Boolean(value);
    else field.value = value;
    field.dispatchEvent(new Event('input', { bubbles: true }));
    field.dispatchEvent(new Event('change', { bubbles: true }));
    restored.push(id);
  }
  return restored;
}
