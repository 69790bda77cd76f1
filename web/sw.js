// The service worker (scope `/`, registered by web/js/pwa.js as a module worker): keeps the
// application — pages, scripts, styles, Leaflet, icons — so the site opens without signal, and
// sends the reports kept on the phone (web/js/outbox.js) when Background Sync says the network
// is back.
//
// Network first, the cache only when the network fails: the site has no build step that would
// give changed files new names, so a cache-first shell would serve the old scripts for a visit
// after every deploy (and could mix a new page with old modules). Online, every file is asked
// for again (`no-cache`: a conditional request, a 304 when nothing changed) and the copy in the
// cache is renewed. API answers are not kept — they change — except the category list and the
// attribution, without which the form cannot be filled in offline; for those too the network
// wins whenever it answers. Pages are kept under their path alone: `/report.html?id=…&key=…`
// is served from `/report.html`, so no reporter's secret key lands in the cache.
import { flushOutbox, SYNC_TAG } from '/js/outbox.js';

/** Raise when the list below changes: the old cache is then deleted on activation. */
const VERSION = 2;
const CACHE = `bb-shell-v${VERSION}`;

/** Every file of the application (tests/browser/offline.test.mjs checks the list against web/). */
const SHELL = [
  '/', '/new.html', '/report.html', '/authority.html', '/alerts.html', '/barrierefreiheit.html',
  '/leichte-sprache.html', '/offene-daten.html', '/datenschutz.html', '/clerk/', '/clerk/report.html',
  '/manifest.webmanifest', '/favicon.ico',
  '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png',
  '/icons/apple-touch-icon.png',
  '/css/site.css', '/css/new.css', '/css/public.css', '/css/clerk.css', '/css/noscript.css',
  '/js/alerts.js', '/js/api.js', '/js/clerk-forms.js', '/js/clerk-inbox.js', '/js/clerk-redact.js', '/js/clerk-report-view.js',
  '/js/clerk-report.js', '/js/clerk-session.js', '/js/clerk-suggest.js', '/js/dom.js',
  '/js/feedback-form.js', '/js/i18n.js', '/js/lights.js', '/js/map.js', '/js/new-report.js', '/js/open-data.js', '/js/outbox.js',
  '/js/outbox-list.js', '/js/page.js', '/js/photo-resize.js', '/js/place-picker.js',
  '/js/place-search.js', '/js/public-authority.js', '/js/public-charts.js',
  '/js/public-common.js', '/js/public-list.js', '/js/public-map.js', '/js/public-report.js',
  '/js/pwa.js', '/js/static-page.js',
  '/vendor/leaflet/leaflet.js', '/vendor/leaflet/leaflet.css',
  '/vendor/leaflet/images/layers.png', '/vendor/leaflet/images/layers-2x.png',
  '/vendor/leaflet/images/marker-icon.png', '/vendor/leaflet/images/marker-icon-2x.png',
  '/vendor/leaflet/images/marker-shadow.png',
];
const SHELL_PATHS = new Set(SHELL);
/** API answers the form needs offline (network first, like everything else). */
const KEPT_API = new Set(['/api/v1/categories', '/api/v1/attribution']);

self.addEventListener('install', (event) => {
  // `reload`: past the HTTP cache, so the copies are those of this deploy.
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll([...SHELL, ...KEPT_API].map((path) => new Request(path, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('bb-shell-') && name !== CACHE) await caches.delete(name);
    }
    // The page's request starts while the worker boots (network first costs no extra wait).
    await self.registration.navigationPreload?.enable();
    await self.clients.claim();
  })());
});

/** The cache key of a request, or `null` when the worker leaves it alone. */
function keyOf(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  const path = url.pathname.replace(/\/index\.html$/, '/');
  if (request.mode === 'navigate') return SHELL_PATHS.has(path) ? path : null;
  if (KEPT_API.has(path)) return url.search ? null : path;
  return SHELL_PATHS.has(path) ? path : null;
}

self.addEventListener('fetch', (event) => {
  const key = keyOf(event.request);
  if (key) event.respondWith(networkFirst(event, key));
});

async function networkFirst(event, key) {
  const { request } = event;
  try {
    const response = request.mode === 'navigate'
      ? (await event.preloadResponse) ?? await fetch(request)
      : await fetch(request, { cache: 'no-cache' });
    if (response.ok && response.type === 'basic' && !response.redirected) {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(key, copy)));
    }
    return response;
  } catch (error) {
    const kept = await caches.match(key, { cacheName: CACHE });
    if (kept) return kept;
    throw error;
  }
}

// Background Sync: the browser wakes the worker when the network is back, even with every page
// of the site closed. A rejection asks the browser to try again later.
self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(flushOutbox().then(({ waiting }) => {
    if (waiting > 0) throw new Error(`${waiting} reports still waiting`);
  }));
});
