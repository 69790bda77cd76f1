// The site as an installable app: registers the service worker (web/sw.js) once the page has
// loaded (so it never competes with the page's own first load), and sends the reports kept on
// this device (outbox.js) on every page load, whenever the network comes back, and — through
// Background Sync — when the browser sees the network return with the site closed.

// Static, not `import()` after load: a module fetched late is cut off when the reader moves
// on to the next page at once (and it is 2 kB on the wire).
import { flushOutbox, nextDue, SYNC_TAG } from './outbox.js';

let started = false;
let timer = null;

/** Asks the service worker to send the kept reports when the network is back (Chromium). */
export function requestBackgroundSync() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync?.register(SYNC_TAG))
    .catch(() => { /* no Background Sync: page loads and `online` still send */ });
}

/**
 * Sends what waits, then plans the next try while the page stays open: at the time a rate
 * limit or a server error named, or every 30 s when the network is said to be there but the
 * service was not reached (a weak signal fires no `online` event).
 */
export async function sendKept() {
  clearTimeout(timer);
  let result;
  try {
    result = await flushOutbox();
    if (result.waiting > 0) {
      requestBackgroundSync();
      const due = await nextDue();
      const wait = due > 0 ? due : 30000;
      if (navigator.onLine !== false) timer = setTimeout(sendKept, Math.max(wait, 1000));
    }
  } catch { /* no IndexedDB here: nothing can be kept, nothing to send */ }
  return result;
}

/** Registers the worker and sends what waits; once per page. */
export function startPwa() {
  if (started) return;
  started = true;
  addEventListener('online', () => sendKept());
  const afterLoad = () => {
    if ('serviceWorker' in navigator) {
      // A module worker (it imports outbox.js); `updateViaCache: 'none'`: the browser asks the
      // server for sw.js and its imports on every check, so a deploy reaches it at once.
      navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/', updateViaCache: 'none' })
        .catch(() => { /* e.g. no module workers: the site works as before, without offline */ });
    }
    sendKept();
  };
  if (document.readyState === 'complete') afterLoad();
  else addEventListener('load', afterLoad, { once: true });
}
