// The frame every page shares: skip link, header with navigation and language switch, footer
// with the emergency numbers, the attribution the data licences ask for and the links German
// public sites must have (BITV 2.0: accessibility statement, Leichte Sprache); and the start of
// the app's offline side (pwa.js).
import { el, $ } from './dom.js';
import { lang, switchLang, tr, translateStatic } from './i18n.js';
import { getJson } from './api.js';
import { startPwa } from './pwa.js';

const NAV = [
  ['/', 'Karte und Liste', 'Map and list'],
  ['/new.html', 'Mangel melden', 'Report a problem'],
  ['/clerk/', 'Für Behörden', 'For authorities'],
];

let attribution;
/** `GET /api/v1/attribution` once per page: boundary sources and the base map. */
export function loadAttribution() {
  attribution ??= getJson('/api/v1/attribution');
  return attribution;
}

function header() {
  const here = location.pathname.replace(/index\.html$/, '');
  const other = lang() === 'en' ? 'de' : 'en';
  return [
    el('a', { class: 'skip-link', href: '#main' }, tr('Zum Inhalt springen', 'Skip to content')),
    el('div', { class: 'brand' },
      el('a', { href: '/', class: 'brand-name' }, 'Bürgerbüro'),
      el('span', { class: 'brand-claim' },
        tr('Mängel melden in Berlin, Brandenburg und Mecklenburg-Vorpommern',
          'Report problems in Berlin, Brandenburg and Mecklenburg-Vorpommern'))),
    el('nav', { 'aria-label': tr('Hauptnavigation', 'Main navigation') },
      el('ul', {}, NAV.map(([href, de, en]) => el('li', {},
        el('a', { href, 'aria-current': href === here ? 'page' : false }, tr(de, en))))),
      el('button', {
        type: 'button', class: 'lang-switch', lang: other,
        onclick: () => switchLang(other),
      }, other === 'en' ? 'English' : 'Deutsch')),
  ];
}

function footer() {
  const sources = el('ul', { class: 'attribution' });
  loadAttribution().then(({ boundaries, places, basemap, addresses }) => {
    const items = boundaries.map((s) => el('li', {},
      `${tr('Verwaltungsgrenzen', 'Boundaries')}: ${s.attribution} – `,
      el('a', { href: s.licence_url }, s.licence)));
    // The licence asks for exactly this text ("Ortsnamen: GeoNames (geonames.org), CC BY 4.0").
    if (places) items.push(el('li', {}, places.attribution));
    if (addresses) items.push(el('li', {}, addresses));
    if (basemap) items.push(el('li', {}, `${tr('Hintergrundkarte', 'Base map')}: ${basemap.attribution}`));
    sources.replaceChildren(...items);
  }).catch(() => {});
  return [
    el('p', { class: 'emergency' },
      el('strong', {}, tr('Notfall?', 'Emergency?')), ' ',
      tr('Nicht hier melden – Polizei ', 'Do not report here – police '), el('a', { href: 'tel:110' }, '110'),
      tr(', Feuerwehr und Rettungsdienst ', ', fire and ambulance '), el('a', { href: 'tel:112' }, '112'), '.'),
    el('h2', {}, tr('Datenquellen', 'Data sources')),
    sources,
    el('ul', { class: 'footer-links' },
      el('li', {}, el('a', { href: '/barrierefreiheit.html' }, tr('Erklärung zur Barrierefreiheit', 'Accessibility statement'))),
      el('li', {}, el('a', { href: '/leichte-sprache.html' }, tr('Leichte Sprache', 'Easy read'))),
      el('li', {}, el('a', { href: '/offene-daten.html' }, tr('Offene Daten', 'Open data'))),
      el('li', {}, el('a', { href: '/datenschutz.html' }, tr('Datenschutzhinweise', 'Privacy notice'))),
      el('li', {}, el('a', { href: '/openapi.yaml' }, tr('API-Beschreibung (OpenAPI)', 'API description (OpenAPI)'))),
      el('li', {}, el('a', { href: '/open311/v2/discovery.json' }, 'Open311 GeoReport v2'))),
  ];
}

/** Fills `#site-header` and `#site-footer`, translates the page's static text, sets the title. */
export function initPage(titleDe, titleEn) {
  translateStatic();
  $('site-header')?.replaceChildren(...header());
  $('site-footer')?.replaceChildren(...footer());
  if (titleDe) document.title = `${tr(titleDe, titleEn)} – Bürgerbüro`;
  // The service worker, and reports kept on this device sent from whichever page opens first.
  startPwa();
}

/** Shows a message in a page's status region (`role=status` or `role=alert`). */
export function announce(region, message, kind = 'info') {
  region.replaceChildren(el('p', { class: kind }, message));
}
