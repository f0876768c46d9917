// Installs the service worker (sw.js) that keeps the app shell for opening
// from the home screen and without a connection.

/** Registers sw.js beside the page; a browser without service workers just goes without. */
export function keepShellOffline() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('sw.js').catch(() => {
    // Not a secure context, or storage refused: the page works, only not offline.
  });
}
