// Talking to the service's JSON API. Every failure becomes an `ApiProblem` carrying the
// problem document (RFC 9457 shape with `detail_de` and per-field `errors`), so a page can put
// each message next to the field it concerns.
import { tr } from './i18n.js';

/** An API answer that was not a success, or the network failing. */
export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** The message for the reader, in the page's language. */
  readerMessage() {
    return tr(this.problem.detail_de || this.problem.detail, this.problem.detail) || this.message;
  }

  /** `[{field, detail}]` for the fields the service refused. */
  fieldErrors() {
    return this.problem.errors ?? [];
  }
}

let csrfToken = null;

/** The session's CSRF token, sent on every state-changing request (clerk pages). */
export function setCsrfToken(token) {
  csrfToken = token;
}

async function request(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (csrfToken && method !== 'GET') init.headers['X-CSRF-Token'] = csrfToken;
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiProblem(0, {
      detail: 'The service cannot be reached. Please check your connection and try again.',
      detail_de: 'Der Dienst ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
    });
  }
  if (response.status === 204) return { body: null, response };
  const type = response.headers.get('Content-Type') ?? '';
  const parsed = type.includes('json') ? await response.json() : null;
  if (!response.ok) {
    throw new ApiProblem(response.status, parsed ?? { detail: `HTTP ${response.status}` });
  }
  return { body: parsed, response };
}

/** `GET` a JSON document. */
export async function getJson(path) {
  return (await request('GET', path)).body;
}

/** Sends JSON (or a `FormData` as multipart) and returns the JSON answer. */
export async function send(method, path, body, headers) {
  return (await request(method, path, { body, headers })).body;
}

/** Like `send`, with the whole response (for `Location`, `Retry-After`, …). */
export async function sendRaw(method, path, body, headers) {
  return request(method, path, { body, headers });
}

/** The categories, fetched once per page. */
let categories;
export function loadCategories() {
  categories ??= getJson('/api/v1/categories').then((b) => b.categories);
  return categories;
}
