// The Messages view: the threads of the user's numbers (last message, unread
// count), one open thread with its messages and pictures, and the compose form
// with a live segment count. Knows nothing of the server: the controller feeds it.

import { el } from './element.js';
import { formatE164 } from './phone-number.js';
import { dateLocales, t } from './i18n.js';
import { textSegments, MAX_TEXT_CHARACTERS } from './text-segments.js';

export class MessagesPanel {
  constructor(nodes, { names, onOpen, onBack, onSend, onOlder }) {
    this.nodes = nodes;
    this.names = names;
    this.threads = [];
    this.open = null;
    this.messages = [];
    nodes.back.addEventListener('click', () => onBack());
    nodes.older.addEventListener('click', () => onOlder());
    nodes.body.addEventListener('input', () => this.updateCount());
    nodes.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const to = nodes.to.value.trim();
      const body = nodes.body.value;
      if (!body.trim()) return this.error(t('texts.noBody'));
      onSend({ to, body });
    });
    this.onOpen = onOpen;
    this.updateCount();
  }

  who(number) {
    const name = this.names.nameFor(number);
    const pretty = formatE164(number) || number;
    return name ? `${name} (${pretty})` : pretty;
  }

  showThreads(threads) {
    this.threads = threads;
    const { threadList, threadsEmpty } = this.nodes;
    threadList.replaceChildren(...threads.map((thread) => {
      const unread = thread.unread > 0
        ? el('span', { class: 'badge', 'aria-label': t('texts.unread', { n: thread.unread }) }, String(thread.unread)) : null;
      const last = thread.last.body || (thread.last.media.length ? t('texts.picture') : '');
      return el('li', { class: thread.unread > 0 ? 'thread unread' : 'thread' },
        el('button', { type: 'button', class: 'thread-open', onclick: () => this.onOpen(thread) },
          el('span', { class: 'thread-who' }, this.who(thread.party)),
          unread,
          el('span', { class: 'thread-last' }, last),
          el('span', { class: 'thread-via' }, t('texts.via', { number: formatE164(thread.number) || thread.number }))));
    }));
    threadsEmpty.hidden = threads.length > 0;
    threadsEmpty.textContent = t('texts.empty');
  }

  failed(reason) {
    this.nodes.threadsEmpty.hidden = false;
    this.nodes.threadsEmpty.textContent = t('texts.loadFailed', { reason });
  }

  /** Contacts or presets changed: the threads and the open thread name their parties anew. */
  refreshNames() {
    if (this.threads.length) this.showThreads(this.threads);
    if (this.open) this.nodes.threadTitle.textContent = this.who(this.open.party);
  }

  showThread(thread, messages, hasOlder) {
    this.open = thread;
    this.messages = messages;
    const { threadBox, threadTitle, to } = this.nodes;
    threadBox.hidden = false;
    threadTitle.textContent = this.who(thread.party);
    to.value = thread.party;
    this.renderMessages(hasOlder);
  }

  addOlder(messages, hasOlder) {
    this.messages = this.messages.concat(messages);
    this.renderMessages(hasOlder);
  }

  closeThread() {
    this.open = null;
    this.messages = [];
    this.nodes.threadBox.hidden = true;
    this.nodes.to.value = '';
  }

  /** A new or changed message: shown when its thread is open. Returns true when it was. */
  upsert(message) {
    if (!this.open || this.open.id !== message.threadId) return false;
    const index = this.messages.findIndex((m) => m.sid === message.sid);
    if (index >= 0) this.messages[index] = message;
    else this.messages.unshift(message);
    this.renderMessages(!this.nodes.older.hidden);
    return true;
  }

  renderMessages(hasOlder) {
    const { messageList, older } = this.nodes;
    const ordered = this.messages.slice().sort((a, b) => a.id - b.id);
    messageList.replaceChildren(...ordered.map((message) => this.messageItem(message)));
    older.hidden = !hasOlder;
  }

  messageItem(message) {
    const pictures = message.media.filter((m) => m.contentType.startsWith('image/'))
      .map((m) => el('img', { src: m.url, alt: t('texts.picture'), loading: 'lazy', class: 'text-picture' }));
    const when = new Date(message.createdAt).toLocaleString(dateLocales());
    let state = t(`texts.status.${message.status}`) || message.status;
    if (message.error) state = t('texts.failedBecause', { status: state, reason: message.error });
    const by = message.sentBy ? t('texts.sentBy', { user: message.sentBy }) : '';
    return el('li', { class: `text ${message.direction === 'out' ? 'outgoing' : 'incoming'}`, dataset: { sid: message.sid } },
      message.body ? el('p', { class: 'text-body' }, message.body) : null,
      ...pictures,
      el('p', { class: 'text-meta' }, [when, by, message.direction === 'out' ? state : ''].filter(Boolean).join(' · ')));
  }

  updateCount() {
    const text = this.nodes.body.value;
    const counted = textSegments(text);
    const characters = Array.from(text).length;
    this.nodes.counter.textContent = t('texts.count', {
      characters, max: MAX_TEXT_CHARACTERS, segments: counted.segments, encoding: counted.encoding,
    });
  }

  sending(busy) {
    this.nodes.send.disabled = busy;
  }

  sent() {
    this.nodes.body.value = '';
    this.error('');
    this.updateCount();
  }

  error(text) {
    this.nodes.error.textContent = text;
    this.nodes.error.hidden = !text;
  }
}
