// The service worker: keeps the app shell (the page, its styles, scripts,
// icons) so the dialer opens from the home screen, and says "offline" well
// when the server cannot be reached. It answers only for the shell files
// below: API answers, tokens, the login page and the WebSocket always go to
// the network untouched. Network first, so a deploy shows up on the next load;
// the cache is the fallback. Paths are relative to this file, which lives at
// the app's root (under `base_path` too).

const CACHE = 'shetphone-shell-v2';
// Every file the dialer needs to start. A new module in Public/js belongs here
// (Tests/integration/test_dialer_install.py checks that none is missing).
const SHELL = [
  './',
  'app.css',
  'favicon.svg',
  'manifest.webmanifest',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-512.png',
  'js/announcer.js',
  'js/api.js',
  'js/audio-preferences.js',
  'js/call-log.js',
  'js/call-notification.js',
  'js/call-panel.js',
  'js/caller-names.js',
  'js/calling-codes.js',
  'js/connection-status.js',
  'js/contact-form.js',
  'js/contacts-list.js',
  'js/element.js',
  'js/i18n.js',
  'js/i18n/de.js',
  'js/i18n/en.js',
  'js/i18n/languages.js',
  'js/intercom-panel.js',
  'js/keypad.js',
  'js/live-socket.js',
  'js/login.js',
  'js/main.js',
  'js/messages-panel.js',
  'js/number-field.js',
  'js/offline-shell.js',
  'js/phone-number.js',
  'js/presets-list.js',
  'js/quality-warnings.js',
  'js/recent-calls.js',
  'js/reload-retry.js',
  'js/sdk-errors.js',
  'js/sdk-loader.js',
  'js/session.js',
  'js/softphone.js',
  'js/stale-lists.js',
  'js/text-entry.js',
  'js/text-segments.js',
  'js/time-format.js',
  'js/voicemail-list.js',
  'js/controllers/messages-controller.js',
  'js/controllers/account-controller.js',
  'js/controllers/audio-controller.js',
  'js/controllers/call-controller.js',
  'js/controllers/contacts-controller.js',
  'js/controllers/intercom-controller.js',
  'js/controllers/keypad-controller.js',
  'js/controllers/presets-controller.js',
  'js/controllers/quality-controller.js',
  'js/controllers/shortcuts-controller.js',
  'js/controllers/voicemail-controller.js',
];
// Static files kept as they pass by (the vendored SDK, a module added later): by
// extension, so nothing the server computes can match.
const STATIC_FILE = /\.(?:js|css|svg|png|webmanifest)$/;

const scope = new URL(self.registration.scope);
const shellUrls = new Set(SHELL.map((path) => new URL(path, scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

/** Whether `request` is a shell file this worker may keep: same origin, inside the scope, GET. */
function isShell(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.href.startsWith(scope.href) || url.search) return false;
  return shellUrls.has(url.href) || STATIC_FILE.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  if (!isShell(event.request)) return; // API, token, login, WebSocket: the network alone
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const answer = await fetch(event.request);
      if (answer.ok && answer.type === 'basic') await cache.put(event.request, answer.clone());
      return answer;
    } catch (error) {
      const kept = await cache.match(event.request);
      if (kept) return kept;
      throw error;
    }
  })());
});
