// Who is logged in on this page: `api/me`, asked until the server answers.

import { getJson, ApiError } from './api.js';

const ME_RETRY_MS = 5000;

/** The `api/me` answer, or null when the session is gone (the page is leaving for login). */
export async function whoAmI(status) {
  for (;;) {
    try {
      return await getJson('api/me');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      status.problem(`Cannot reach the server (${error.message}). Trying again…`);
      await new Promise((resolve) => setTimeout(resolve, ME_RETRY_MS));
    }
  }
}
