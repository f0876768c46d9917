// Who is logged in on this page: `api/me`, asked until the server answers.

import { getJson, ApiError } from './api.js';
import { t } from './i18n.js';

const ME_RETRY_MS = 5000;

/** The `api/me` answer, or null when the session is gone (the page is leaving for login). */
export async function whoAmI(status) {
  for (;;) {
    try {
      return await getJson('api/me');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      status.problem(navigator.onLine === false
        ? t('session.offline')
        : t('session.unreachable', { reason: error.message }));
      await new Promise((resolve) => {
        const retry = () => {
          window.removeEventListener('online', retry);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(retry, ME_RETRY_MS);
        window.addEventListener('online', retry);
      });
    }
  }
}
