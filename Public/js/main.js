// The dialer page's composition root: asks `api/me` who is logged in, builds
// the shared pieces (`app`), then the controllers, each owning one part of the
// page and subscribing to the live events it needs. See docs/DIALER.md.

import { setCsrfToken } from './api.js';
import { byId } from './element.js';
import { LiveSocket } from './live-socket.js';
import { ConnectionStatus } from './connection-status.js';
import { announcer } from './announcer.js';
import { whoAmI } from './session.js';
import { CallerNames } from './caller-names.js';
import { CallController } from './controllers/call-controller.js';
import { KeypadController } from './controllers/keypad-controller.js';
import { PresetsController } from './controllers/presets-controller.js';
import { ContactsController } from './controllers/contacts-controller.js';
import { IntercomController } from './controllers/intercom-controller.js';
import { AccountController } from './controllers/account-controller.js';
import { AudioController } from './controllers/audio-controller.js';
import { QualityController } from './controllers/quality-controller.js';
import { ShortcutsController } from './controllers/shortcuts-controller.js';
import { MessagesController } from './controllers/messages-controller.js';
import { VoicemailController } from './controllers/voicemail-controller.js';
import { t, useBrowserLanguage } from './i18n.js';
import { keepShellOffline } from './offline-shell.js';
import { ReloadRetry } from './reload-retry.js';
import { StaleLists } from './stale-lists.js';

function connectionStatus() {
  return new ConnectionStatus({
    server: byId('ind-server'),
    phone: byId('ind-phone'),
    sdkBanner: byId('banner-sdk'),
    offlineBanner: byId('banner-offline'),
    offlineText: byId('offline-text'),
    problemBanner: byId('banner-problem'),
    problemText: byId('problem-text'),
    problemClose: byId('problem-close'),
  });
}

async function boot() {
  keepShellOffline();
  await useBrowserLanguage();
  const status = connectionStatus();
  const me = await whoAmI(status);
  if (!me) return;
  status.problem('');
  setCsrfToken(me.csrf);

  const app = {
    me,
    status,
    announce: announcer(byId('announcer')),
    names: new CallerNames(),
    socket: new LiveSocket('ws'),
  };
  const calls = new CallController(app);
  // Each controller may have start() (after all are built) and resync() (after the
  // server connection came back, or a `resync` event: live events may have been missed).
  // resync() resolves true once its list is loaded again; a failed one is retried with
  // backoff while the page says the list (`listName`, a catalogue key) may be out of date.
  const controllers = [
    calls,
    new KeypadController(calls),
    new PresetsController(app, calls),
    new ContactsController(app, calls),
    new IntercomController(app),
    new AccountController(app),
    new AudioController(app, calls),
    new QualityController(app, calls),
    new ShortcutsController(app, calls),
    new MessagesController(app, calls),
    new VoicemailController(app, calls),
  ];

  const stale = new StaleLists(byId('stale-lists'));
  const reloads = controllers.filter((controller) => controller.resync).map((controller) =>
    new ReloadRetry(() => controller.resync(), (isStale) => stale.set(controller.listName, isStale)));
  const resyncAll = () => {
    for (const reload of reloads) reload.start();
  };
  // The server lost its database for a while (several instances): events of the other
  // instances may have been missed although this socket stayed open.
  app.socket.on('resync', resyncAll);
  let wasOffline = false;
  app.socket.onState((state) => {
    status.server(state, app.socket);
    if (state === 'online' && app.socket.transport === 'sse') status.problem(t('server.sseFallback'));
    if (state === 'offline') wasOffline = true;
    if (state === 'online' && wasOffline) {
      wasOffline = false;
      resyncAll();
    }
  });
  byId('offline-retry').addEventListener('click', () => app.socket.retryNow());
  app.socket.start();
  for (const controller of controllers) if (controller.start) controller.start();
}

boot();
