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

/** Remembers the language and reloads, so every script renders in it from the start. */
export function switchLang(next) {
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch { /* private mode: the query parameter still works */ }
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  location.replace(url);
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
