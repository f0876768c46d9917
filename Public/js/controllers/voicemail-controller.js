// The voicemail panel, fed by `api/voicemail` and the `voicemail.*` live events.

import { byId } from '../element.js';
import { VoicemailList } from '../voicemail-list.js';
import { t } from '../i18n.js';

export class VoicemailController {
  /** `calls`: the CallController, for "Call back". */
  constructor(app, calls) {
    this.listName = 'resync.voicemail';
    this.list = new VoicemailList({
      list: byId('voicemails'),
      empty: byId('voicemails-empty'),
      badge: byId('voicemail-badge'),
      error: byId('voicemail-error'),
      describe: (number) => app.names.describe(number),
      onCall: (number) => calls.callBack(number),
    });
    app.names.onChange(() => this.list.refreshNames());
    app.socket
      .on('voicemail.new', (data) => {
        this.list.added(data);
        app.announce(t('voicemail.new', { from: app.names.describe(data.from) }));
      })
      .on('voicemail.updated', (data) => this.list.updated(data))
      .on('voicemail.heard', (data) => this.list.heard(data.recordingSid))
      .on('voicemail.deleted', (data) => this.list.removed(data.recordingSid));
  }

  start() {
    this.list.load();
  }

  resync() {
    return this.list.load();
  }
}
