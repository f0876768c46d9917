// The login page in the browser's language (the server fills in the form's
// hidden fields and any error; this translates the page's own words, and the
// server's errors, whose English words LoginRoutes.swift writes).

import { t, useBrowserLanguage } from './i18n.js';

// The server's error -> its words in the page's language.
const SERVER_ERRORS = [
  [/^Wrong user name or password\.$/, () => t('login.wrong')],
  [/^Too many failed logins\. Try again in (\d+) seconds?\.$/, (seconds) => t('login.throttled', { seconds })],
];

async function start() {
  await useBrowserLanguage();
  const error = document.getElementById('login-error');
  if (!error || error.hidden) return;
  const text = error.textContent.trim();
  for (const [pattern, words] of SERVER_ERRORS) {
    const match = pattern.exec(text);
    if (match) {
      error.textContent = words(...match.slice(1));
      return;
    }
  }
}

start();
