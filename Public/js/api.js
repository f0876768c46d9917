// The server's JSON routes, with relative URLs (the app may live under a path
// prefix such as /shetphone/), the CSRF header on every write, and one place
// that sends the user to the login page when the session is gone.

import { t } from './i18n.js';

let csrfToken = '';
let clockOffsetMs = 0;

/** An HTTP answer other than 2xx, or no answer at all (status 0). */
/** A failed API request. `message` is the server's reason, shown to the user as is (it names
 *  what was wrong); `path` says which request, for the console. */
export class ApiError extends Error {
  constructor(path, status, message, data = null) {
    super(message);
    this.name = 'ApiError';
    this.path = path;
    this.status = status;
    /** The JSON the server answered with, if any (e.g. an import's bad rows). */
    this.data = data;
  }
}

/** True when the same request may succeed later: no answer at all (the network), a timeout,
 *  too many requests, or a server error (503 while its store is away). A 4xx other than
 *  those says something another try would not change. */
export function worthRetrying(error) {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}

export function setCsrfToken(token) {
  csrfToken = token || '';
}

/** Server time minus browser time, from the last Date header (1 s precision). */
export function serverNow() {
  return Date.now() + clockOffsetMs;
}

/** Where the login page is, with the page to come back to afterwards. */
export function loginUrl() {
  const next = location.pathname + location.search;
  return `login?next=${encodeURIComponent(next)}`;
}

export function goToLogin() {
  location.assign(loginUrl());
}

/**
 * GET or write JSON. `path` must be relative (no leading slash).
 * 401 leaves for the login page and rejects, so callers never see a half-logged-in page.
 */
export async function request(method, path, body) {
  if (path.startsWith('/')) throw new Error(`${path}: API paths must be relative (no leading slash)`);
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = csrfToken;
    if (body instanceof Blob) {
      headers['Content-Type'] = body.type || 'application/octet-stream';
      init.body = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(path, 0, t('api.unreachable', { reason: error.message }));
  }
  noteServerClock(response);
  if (response.status === 401) {
    goToLogin();
    throw new ApiError(path, 401, 'login required');
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      if (response.ok) throw new ApiError(path, response.status, 'answer is not JSON');
    }
  }
  if (!response.ok) {
    const reason = data && data.error ? data.error : `HTTP ${response.status}`;
    throw new ApiError(path, response.status, reason, data);
  }
  return data;
}

export const getJson = (path) => request('GET', path);
export const postJson = (path, body) => request('POST', path, body);
export const deleteJson = (path) => request('DELETE', path);
export const putJson = (path, body) => request('PUT', path, body);
/** POST a file (a Blob) as the raw body, with its own type. */
export const postFile = (path, file) => request('POST', path, file);

/** POST logout (form-style route: it answers with a redirect, not JSON). */
export async function logout() {
  try {
    await fetch('logout', {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrfToken },
      credentials: 'same-origin',
      redirect: 'manual',
    });
  } finally {
    location.assign('login');
  }
}

function noteServerClock(response) {
  noteServerTime(Date.parse(response.headers.get('Date') || ''));
}

/**
 * A server timestamp (ms) just received. Both sources have 1 s resolution:
 * only correct clocks that are clearly off, so countdowns do not jitter.
 */
export function noteServerTime(serverMs) {
  if (!Number.isFinite(serverMs)) return;
  const offset = serverMs - Date.now();
  clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
}
