// Helpers the public pages share: the light ↔ status mapping the API filters need, links to a
// report's and an authority's page, one report as a list entry, and an SVG builder for charts.
import { el } from './dom.js';
import { formatDate, pick, tr } from './i18n.js';
import { lightBadge } from './lights.js';

/** The list API filters by status, the reader thinks in lights: one status per light. */
export const STATUS_OF_LIGHT = { red: 'open', yellow: 'in_progress', green: 'resolved', yellow_green: 'closed' };

/** The page of one report (mails link here too). */
export function reportHref(id) {
  return `/report.html?id=${encodeURIComponent(id)}`;
}

/** The page of one authority's statistics. */
export function authorityHref(key) {
  return `/authority.html?key=${encodeURIComponent(key)}`;
}

/** The category's name in the page's language. */
export function categoryName(category) {
  return pick(category, 'name') ?? category.code;
}

/** Where it is, in words: the address hint if given, and the area. */
export function placeName(report) {
  return report.address ? `${report.address}, ${report.area.name}` : report.area.name;
}

/**
 * "seit 3 Tagen" / "for 3 days": how long the report has shown its light. German needs the
 * dative after "seit", which `formatDuration` (nominative) cannot give, hence own words here.
 */
export function lightAge(report) {
  const seconds = report.status_age_seconds;
  const units = [[86400, 'Tag', 'Tagen', 'day'], [3600, 'Stunde', 'Stunden', 'hour'], [60, 'Minute', 'Minuten', 'minute']];
  for (const [size, one, many, en] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) {
      return tr(`seit ${n} ${n === 1 ? one : many}`,
        `for ${n} ${en}${n === 1 ? '' : 's'}`);
    }
  }
  return tr('seit weniger als einer Minute', 'for less than a minute');
}

/**
 * One report as a list entry: its category as the link (the entry's heading), its light in
 * words and colour, the place, how long it has been so, and a thumbnail when it has photos.
 */
/** The "me too" count in words: „3 × „Ich auch““ reads badly aloud, a sentence does not. */
export function supportersText(count) {
  if (count === 1) return tr('1 Person sagt „Ich auch“', '1 person says “me too”');
  return tr(`${count} Personen sagen „Ich auch“`, `${count} people say “me too”`);
}

export function reportListItem(report, headingLevel = 'h3') {
  const photo = report.photos[0];
  return el('li', { class: 'card report-item' },
    el('div', { class: 'report-item-text' },
      el(headingLevel, {},
        // Many entries share a category; the hidden rest makes each link's name unique when
        // a screen reader lists the links out of context.
        el('a', { href: reportHref(report.id) }, categoryName(report.category),
          el('span', { class: 'visually-hidden' }, `, ${placeName(report)}, ${formatDate(report.created_at)}`))),
      el('p', { class: 'report-item-light' }, lightBadge(report.light), ' ',
        el('span', { class: 'meta-inline' }, lightAge(report))),
      el('p', { class: 'meta' }, placeName(report)),
      el('p', { class: 'meta' },
        tr('Gemeldet am ', 'Filed on '), el('time', { datetime: report.created_at }, formatDate(report.created_at)),
        report.authority ? ` · ${report.authority.name}` : ''),
      report.supporters ? el('p', { class: 'meta supporters' }, supportersText(report.supporters)) : null),
    photo ? el('img', {
      class: 'report-item-photo', src: photo.thumb_url, alt: '', loading: 'lazy', width: 96, height: 72,
    }) : null);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** `svg('rect', { x: 0, … }, …children)`: like `el`, for chart elements. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** A number in the page's language ("1,5" in German). */
export function formatNumber(value, digits = 1) {
  return new Intl.NumberFormat(tr('de-DE', 'en-GB'), { maximumFractionDigits: digits }).format(value);
}

/** A share 0…1 as a percentage in the page's language. */
export function formatPercent(share) {
  return new Intl.NumberFormat(tr('de-DE', 'en-GB'), { style: 'percent', maximumFractionDigits: 0 }).format(share);
}
