// The intercom panel, fed by its routes and the `intercom.*` live events.

import { byId } from '../element.js';
import { IntercomPanel } from '../intercom-panel.js';
import { t } from '../i18n.js';

export class IntercomController {
  constructor(app) {
    this.listName = 'resync.intercom';
    this.panel = new IntercomPanel({
      box: byId('grant-box'),
      state: byId('grant-state'),
      countdown: byId('grant-countdown'),
      form: byId('grant-form'),
      start: byId('grant-start'),
      extend: byId('grant-extend'),
      end: byId('grant-end'),
      error: byId('grant-error'),
      openings: byId('openings'),
      openingsEmpty: byId('openings-empty'),
      rang: byId('intercom-rang'),
    });
    this.panel.watchLengths();
    app.socket
      .on('intercom.grant', (data) => this.panel.onGrantEvent(data))
      .on('intercom.ringing', (data) => this.panel.onRingingEvent(data))
      .on('intercom.opened', (data) => {
        this.panel.onOpenedEvent(data);
        app.announce(t('intercom.doorOpened'));
      });
  }

  start() {
    this.panel.load();
  }

  resync() {
    return this.panel.load();
  }
}
