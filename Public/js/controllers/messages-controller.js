// The Messages view, fed by `api/threads`, `api/threads/<id>/messages` and the
// `sms.*` live events of the user's numbers; a desktop notification for a new text.

import { getJson, postJson, worthRetrying } from '../api.js';
import { byId } from '../element.js';
import { MessagesPanel } from '../messages-panel.js';
import { permission } from '../call-notification.js';
import { parseNumber } from '../phone-number.js';
import { t } from '../i18n.js';

export class MessagesController {
  /** `calls`: the CallController, for the open thread's "Call". */
  constructor(app, calls) {
    this.app = app;
    this.listName = 'resync.texts';
    // Loads of the threads list asked for, and the newest whose answer is shown.
    this.loads = 0;
    this.shownLoad = 0;
    this.panel = new MessagesPanel({
      threadList: byId('threads'),
      threadsEmpty: byId('threads-empty'),
      threadBox: byId('thread'),
      threadTitle: byId('thread-title'),
      messageList: byId('thread-messages'),
      back: byId('thread-back'),
      older: byId('thread-older'),
      form: byId('text-form'),
      to: byId('text-to'),
      body: byId('text-body'),
      counter: byId('text-count'),
      send: byId('text-send'),
      error: byId('text-error'),
    }, {
      names: app.names,
      onOpen: (thread) => this.openThread(thread),
      onBack: () => this.panel.closeThread(),
      onSend: (text) => this.send(text),
      onOlder: () => this.older(),
    });
    app.names.onChange(() => this.panel.refreshNames());
    this.callButton = byId('thread-call');
    this.callButton.addEventListener('click', () => {
      if (this.panel.open) calls.callBack(this.panel.open.party);
    });
    app.socket
      .on('sms.received', (message) => this.received(message))
      .on('sms.sent', (message) => this.changed(message))
      .on('sms.status', (message) => this.changed(message))
      .on('sms.read', () => this.load());
  }

  start() {
    this.load();
  }

  /** Resolves true once the threads (and the open thread) are loaded again, false when one
   *  could not be but may be later. */
  async resync() {
    const loaded = await Promise.all([this.load(), this.panel.open ? this.openThread(this.panel.open) : true]);
    return loaded.every(Boolean);
  }

  /** Resolves true once the threads are shown, false when they could not be but may be later.
   *  Every text reloads the list: an answer that comes after a newer load's is older than what
   *  is shown, and is dropped. */
  load() {
    const generation = ++this.loads;
    return getJson('api/threads')
      .then((answer) => {
        if (generation < this.shownLoad) return true;
        this.shownLoad = generation;
        this.panel.showThreads(answer.threads);
        return true;
      })
      .catch((error) => {
        if (generation < this.shownLoad) return true;
        this.panel.failed(error.message);
        return !worthRetrying(error);
      });
  }

  /** Resolves true once the thread is shown, false when it could not be but may be later. */
  async openThread(thread) {
    try {
      const answer = await getJson(`api/threads/${thread.id}/messages`);
      this.panel.showThread(answer.thread, answer.messages, answer.messages.length >= 50);
      // A sender name or short code cannot be called.
      this.callButton.hidden = parseNumber(answer.thread.party, null).state !== 'valid';
      if (answer.thread.unread > 0) await postJson(`api/threads/${thread.id}/read`);
      return true;
    } catch (error) {
      this.panel.error(error.message);
      return !worthRetrying(error);
    }
  }

  async older() {
    const open = this.panel.open;
    if (!open || this.panel.messages.length === 0) return;
    const oldest = Math.min(...this.panel.messages.map((m) => m.id));
    try {
      const answer = await getJson(`api/threads/${open.id}/messages?before=${oldest}`);
      this.panel.addOlder(answer.messages, answer.messages.length >= 50);
    } catch (error) {
      this.panel.error(error.message);
    }
  }

  async send({ to, body }) {
    this.panel.sending(true);
    try {
      const message = await postJson('api/messages', { to, body });
      this.panel.sent();
      if (!this.panel.open || this.panel.open.id !== message.threadId) {
        await this.openThread({ id: message.threadId });
      }
      this.changed(message);
    } catch (error) {
      this.panel.error(t('texts.notSent', { reason: error.message }));
    } finally {
      this.panel.sending(false);
    }
  }

  changed(message) {
    this.panel.upsert(message);
    this.load();
  }

  received(message) {
    const shown = this.panel.upsert(message);
    const who = this.panel.who(message.party);
    if (shown && document.visibilityState === 'visible') {
      postJson(`api/threads/${message.threadId}/read`).catch(() => {});
    } else {
      this.notify(who, message);
    }
    this.app.announce(t('texts.newFrom', { who }));
    this.load();
  }

  notify(who, message) {
    if (permission() !== 'granted') return;
    try {
      const note = new window.Notification(t('texts.newFrom', { who }), {
        body: message.body || t('texts.picture'),
        tag: `shetphone-text-${message.sid}`,
      });
      note.onclick = () => {
        window.focus();
        note.close();
        this.openThread({ id: message.threadId });
      };
    } catch {
      // e.g. Android Chrome allows notifications only from a service worker
    }
  }
}
