// The clerk's session: who is signed in (GET /me also hands back the CSRF token after a
// reload, because the cookie is HttpOnly and the page cannot keep the token itself), signing
// in and out, and the safe "return to" address a mail link brings along.
import { getJson, send, setCsrfToken, ApiProblem } from './api.js';
import { el } from './dom.js';
import { tr } from './i18n.js';

// Whether this browser signed in last (the cookie itself is HttpOnly, out of the page's
// reach): without it the log-in page asks nothing, so a first visit logs no 401 in the
// browser's console (Lighthouse counts that against the page). A stale mark costs one 401.
const SIGNED_IN = 'bb-clerk-signed-in';

function markSignedIn(on) {
  try {
    if (on) localStorage.setItem(SIGNED_IN, '1'); else localStorage.removeItem(SIGNED_IN);
  } catch { /* no storage: currentAccount() always asks */ }
}

function maybeSignedIn() {
  try {
    return localStorage.getItem(SIGNED_IN) === '1';
  } catch {
    return true;
  }
}

/** The signed-in account, or null when not signed in (401). Other failures are thrown. */
export async function currentAccount() {
  if (!maybeSignedIn()) return null;
  try {
    const me = await getJson('/api/v1/admin/me');
    setCsrfToken(me.csrf_token ?? null);
    return me;
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 401) {
      markSignedIn(false);
      return null;
    }
    throw error;
  }
}

/** Signs in; the answer carries the session's CSRF token. */
export async function signIn(email, password) {
  const me = await send('POST', '/api/v1/admin/login', { email, password });
  setCsrfToken(me.csrf_token ?? null);
  markSignedIn(true);
  return me;
}

/** Ends the session on the server (the cookie is cleared by the answer). */
export async function signOut() {
  markSignedIn(false);
  await send('POST', '/api/v1/admin/logout');
  setCsrfToken(null);
}

/**
 * `?next=` of the log-in page, only when it points into the clerk workspace on this origin:
 * anything else would let a crafted link send a freshly signed-in clerk elsewhere.
 */
export function safeNext(search = location.search) {
  const next = new URLSearchParams(search).get('next');
  if (!next || !next.startsWith('/clerk/') || next.startsWith('//') || next.includes('\\')) return null;
  return next;
}

/** The log-in page's address that returns to the current page afterwards. */
export function loginUrl() {
  return `/clerk/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/**
 * "Angemeldet als Erika Muster (erika@…)" for the bar above the workspace; an account without
 * a name of its own (its display name is the address) is named once.
 */
export function accountLine(me) {
  const name = me.display_name?.trim();
  if (!name || name === me.email) return [tr('Angemeldet als ', 'Signed in as '), el('strong', {}, me.email)];
  return [tr('Angemeldet als ', 'Signed in as '), el('strong', {}, name), ` (${me.email})`];
}
