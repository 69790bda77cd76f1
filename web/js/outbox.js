// Reports that could not be sent yet, kept on the phone in IndexedDB until the service takes
// them. Used by the pages and by the service worker (web/sw.js, Background Sync), so nothing
// here touches the DOM.
//
// A queued report keeps the `Idempotency-Key` it was first sent with: a retry of a filing whose
// answer was lost on the way back is recognised by the service and answered with the first
// report, so no report is filed twice. An item leaves the queue only on a 2xx answer (a replay
// is a 201 too); a refusal other than the rate limit is kept with its message (for the citizen
// to change or delete), never retried by itself. Pages and the service worker send one at a
// time under a Web Lock, and tell each other about changes on a BroadcastChannel.

const DB_NAME = 'buergerbuero';
const DB_VERSION = 1;
const STORE = 'outbox';
const LOCK = 'bb-outbox';
const CHANNEL = 'bb-outbox';
/** The Background Sync tag the service worker answers. */
export const SYNC_TAG = 'bb-outbox';

/** Longest wait before the next try after a server error (5xx), in milliseconds. */
const MAX_BACKOFF_MS = 10 * 60 * 1000;

let dbPromise;
function openDb() {
  dbPromise ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }).catch((error) => {
    dbPromise = undefined;
    throw error;
  });
  return dbPromise;
}

/** Runs `work(store)` in one transaction; resolves with its result once the data is written. */
async function withStore(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    let result;
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    const request = work(transaction.objectStore(STORE));
    if (request) request.onsuccess = () => { result = request.result; };
  });
}

const getItem = (key) => withStore('readonly', (store) => store.get(key));
const putItem = (item) => withStore('readwrite', (store) => store.put(item));
const deleteItem = (key) => withStore('readwrite', (store) => store.delete(key));

/** Every kept report, oldest first. */
export async function listOutbox() {
  if (typeof indexedDB === 'undefined') return [];
  const items = await withStore('readonly', (store) => store.getAll());
  return (items ?? []).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** One at a time across pages and the service worker; without Web Locks the key still helps. */
function exclusively(work) {
  if (globalThis.navigator?.locks) return navigator.locks.request(LOCK, work);
  return work();
}

let channel;
const localListeners = [];
/**
 * Tells this page's listeners and every other page and the service worker. A BroadcastChannel
 * reaches every other channel object of the name, this page's listener included.
 */
function notify(message) {
  try {
    channel ??= new BroadcastChannel(CHANNEL);
    channel.postMessage(message);
  } catch {
    // No BroadcastChannel: this page hears it; others see the change at their next load.
    for (const listener of localListeners) listener(message);
  }
}

/**
 * `callback(message)` for every change this page, another page or the service worker makes:
 * `{ type: 'changed' }`, `{ type: 'sending', key }`.
 */
export function onOutboxChange(callback) {
  try {
    new BroadcastChannel(CHANNEL).addEventListener('message', (event) => callback(event.data));
  } catch {
    localListeners.push(callback);
  }
}

/**
 * Keeps a report for sending later: `fields` as the API takes them, `photos` as
 * `[{ blob, name }]`, `key` its Idempotency-Key, `categoryName` `{ de, en }` for the list.
 */
export async function queueReport({ key, fields, photos, categoryName }) {
  await putItem({
    key, fields, categoryName, state: 'waiting', createdAt: new Date().toISOString(),
    photos: photos.map(({ blob, name }) => ({ blob, name })), attempts: 0, notBefore: 0,
  });
  // Asks the browser not to clear the site's storage when space runs low (granted silently
  // to installed apps and often-used sites; a refusal changes nothing else).
  globalThis.navigator?.storage?.persist?.().catch(() => {});
  notify({ type: 'changed' });
}

/**
 * Deletes a kept report, unless it went out meanwhile: waits for a send in progress, and
 * answers `{ removed: false, item }` when the service has it now (the item is then a sent one).
 */
export async function removeFromOutbox(key) {
  return exclusively(async () => {
    const item = await getItem(key);
    if (item && item.state === 'sent') return { removed: false, item };
    await deleteItem(key);
    notify({ type: 'changed' });
    return { removed: true };
  });
}

/** Removes a sent report from the list (the citizen has seen its link). */
export async function dismissSent(key) {
  await deleteItem(key);
  notify({ type: 'changed' });
}

/**
 * The citizen asks to try again: waiting reports are due at once, and a refused one (`key`)
 * waits again (a refusal by a proxy or a portal may be over).
 */
export async function retryNow(key = null) {
  await exclusively(async () => {
    for (const item of await listOutbox()) {
      if (item.state === 'waiting' || (item.state === 'refused' && item.key === key)) {
        await putItem({ ...item, state: 'waiting', notBefore: 0, problem: undefined });
      }
    }
  });
  notify({ type: 'changed' });
}

/** The multipart body, exactly as the form sends it online (same fields, same photo bytes). */
function body(item) {
  const form = new FormData();
  for (const [name, value] of Object.entries(item.fields)) {
    if (value !== null && value !== undefined) form.append(name, String(value));
  }
  for (const photo of item.photos) form.append('photo', photo.blob, photo.name);
  return form;
}

/** What the list shows of a filed report (and the thank-you needs). */
function filedSummary(report) {
  return {
    id: report.id, reporter_key: report.reporter_key ?? null, status: report.status,
    visibility: report.visibility, authority: { name: report.authority?.name ?? '' },
  };
}

/**
 * Sends one item. `'sent'`, `'refused'` (kept with the problem), `'later'` (rate limit or
 * server trouble, with a time for the next try) or `'offline'` (the network failed).
 */
async function sendItem(item) {
  let response;
  try {
    response = await fetch('/api/v1/reports', {
      method: 'POST', body: body(item), credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Idempotency-Key': item.key },
    });
  } catch {
    return 'offline';
  }
  const parsed = (response.headers.get('Content-Type') ?? '').includes('json')
    ? await response.json().catch(() => null) : null;
  if (response.ok && parsed?.id) {
    // Contact and photos are not needed any more: only what the list shows stays.
    await putItem({
      key: item.key, state: 'sent', createdAt: item.createdAt, sentAt: new Date().toISOString(),
      categoryName: item.categoryName, photos: [], report: filedSummary(parsed),
      fields: { description: item.fields.description, email: item.fields.email ?? null, language: item.fields.language },
    });
    return 'sent';
  }
  const attempts = item.attempts + 1;
  if (response.status === 429 || response.status >= 500 || response.ok) {
    const retryAfter = Number(response.headers.get('Retry-After'));
    const wait = Number.isFinite(retryAfter) && retryAfter > 0
      ? retryAfter * 1000
      : Math.min(MAX_BACKOFF_MS, 5000 * 2 ** Math.min(attempts, 10));
    await putItem({ ...item, attempts, notBefore: Date.now() + wait });
    return 'later';
  }
  await putItem({
    ...item, attempts, state: 'refused',
    problem: {
      status: response.status, type: parsed?.type ?? null,
      detail: parsed?.detail ?? `HTTP ${response.status}`, detail_de: parsed?.detail_de ?? null,
      errors: parsed?.errors ?? [],
    },
  });
  return 'refused';
}

/**
 * Sends every waiting report that is due, oldest first; stops at the first network failure.
 * Answers `{ sent: [keys], waiting, refused }` (`waiting` counts what is still to send).
 */
export async function flushOutbox() {
  if (typeof indexedDB === 'undefined') return { sent: [], waiting: 0, refused: 0 };
  return exclusively(async () => {
    const sent = [];
    let refused = 0;
    // `onLine` false is certain (true is only a hope): no try, no "sending …" flicker.
    let stop = globalThis.navigator?.onLine === false;
    for (const item of await listOutbox()) {
      if (item.state !== 'waiting' || stop || item.notBefore > Date.now()) continue;
      notify({ type: 'sending', key: item.key });
      const outcome = await sendItem(item);
      if (outcome === 'sent') sent.push(item.key);
      if (outcome === 'refused') refused += 1;
      if (outcome === 'offline' || outcome === 'later') stop = true;
      notify({ type: 'changed' });
    }
    const waiting = (await listOutbox()).filter((i) => i.state === 'waiting').length;
    return { sent, waiting, refused };
  });
}

/** When the next waiting report is due, in ms from now (`null` when none waits). */
export async function nextDue() {
  const due = (await listOutbox()).filter((i) => i.state === 'waiting').map((i) => i.notBefore);
  return due.length === 0 ? null : Math.max(0, Math.min(...due) - Date.now());
}
