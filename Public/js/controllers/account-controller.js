// The account corner of the header: who is signed in, desktop notifications,
// logging out (here, or in another tab through the `logout` event).

import { logout } from '../api.js';
import { byId } from '../element.js';
import { notificationsSupported, permission, askPermission } from '../call-notification.js';

export class AccountController {
  constructor(app) {
    const { me, socket } = app;
    byId('user-name').textContent = me.user || '';
    socket.on('logout', () => {
      socket.stop();
      location.assign('login');
    });
    byId('logout').addEventListener('click', () => {
      socket.stop();
      logout();
    });
    const notifyButton = byId('notify-enable');
    notifyButton.hidden = !(notificationsSupported() && permission() === 'default');
    notifyButton.addEventListener('click', async () => {
      await askPermission();
      notifyButton.hidden = permission() === 'default';
    });
  }
}
