// The voicemail box: list (unheard first, with a badge), play in the page through
// the server (which fetches the audio from Twilio; the page never sees Twilio),
// mark heard when played, delete, download. Knows nothing of other panels.

import { el } from './element.js';
import { getJson, postJson, deleteJson, worthRetrying } from './api.js';
import { formatDuration, formatClock } from './time-format.js';
import { parseNumber } from './phone-number.js';
import { t } from './i18n.js';

export class VoicemailList {
  /** `nameFor(number)`: a contact's or preset's name for the caller, or ''; `onCall(number)`:
   *  "Call back" (shown when the caller's number is known). */
  constructor({ list, empty, badge, error, nameFor = () => '', onCall = null }) {
    this.nodes = { list, empty, badge, error };
    this.nameFor = nameFor;
    this.onCall = onCall;
    this.items = [];
    // One row per recording, kept while it is shown: re-creating a playing <audio> would stop it.
    this.rows = new Map();
  }

  /** Resolves true once the box is loaded, false when it could not be but may be later (the
   *  error is shown either way). */
  async load() {
    let loaded = false;
    try {
      const answer = await getJson('api/voicemail');
      this.items = answer.voicemails;
      this.showError('');
      loaded = true;
    } catch (error) {
      this.showError(t('voicemail.unavailable', { reason: error.message }));
      loaded = !worthRetrying(error);
    }
    this.render();
    return loaded;
  }

  /** `voicemail.new`: newest unheard first. */
  added(voicemail) {
    this.items = [voicemail, ...this.items.filter((v) => v.recordingSid !== voicemail.recordingSid)];
    this.render();
  }

  updated(voicemail) {
    this.items = this.items.map((v) => (v.recordingSid === voicemail.recordingSid ? voicemail : v));
    this.render();
  }

  heard(sid) {
    this.items = this.items.map((v) => (v.recordingSid === sid ? { ...v, heard: true } : v));
    this.render();
  }

  removed(sid) {
    this.items = this.items.filter((v) => v.recordingSid !== sid);
    this.render();
  }

  showError(text) {
    this.nodes.error.textContent = text;
    this.nodes.error.hidden = !text;
  }

  render() {
    const unheard = this.items.filter((v) => !v.heard).length;
    this.nodes.badge.textContent = String(unheard);
    this.nodes.badge.hidden = unheard === 0;
    this.nodes.badge.setAttribute('aria-label', t('voicemail.unheard', { count: unheard }));
    this.nodes.empty.hidden = this.items.length > 0;
    const rows = this.items.map((voicemail) => {
      const key = `${voicemail.recordingSid}|${voicemail.transcript || ''}`;
      let row = this.rows.get(voicemail.recordingSid);
      if (!row || row.dataset.key !== key) {
        row = this.row(voicemail);
        row.dataset.key = key;
        this.rows.set(voicemail.recordingSid, row);
      }
      row.className = voicemail.heard ? 'voicemail heard' : 'voicemail unheard';
      return row;
    });
    for (const sid of this.rows.keys()) {
      if (!this.items.some((v) => v.recordingSid === sid)) this.rows.delete(sid);
    }
    const shown = [...this.nodes.list.children];
    if (shown.length !== rows.length || shown.some((node, i) => node !== rows[i])) {
      this.nodes.list.replaceChildren(...rows);
    }
  }

  row(voicemail) {
    const sid = voicemail.recordingSid;
    const audioUrl = `api/voicemail/${encodeURIComponent(sid)}/audio`;
    const audio = el('audio', { controls: true, preload: 'none', src: audioUrl, class: 'voicemail-audio' });
    audio.addEventListener('play', () => {
      const current = this.items.find((v) => v.recordingSid === sid);
      if (current && !current.heard) this.markHeard(sid);
    });
    audio.addEventListener('error', () => this.showError(t('voicemail.playFailed')));
    const when = formatClock(new Date(voicemail.receivedAt * 1000));
    const name = this.nameFor(voicemail.from);
    const who = name ? `${name} (${voicemail.from})` : voicemail.from;
    return el('li', { dataset: { sid } },
      el('p', { class: 'voicemail-who' }, who, ' · ', when, ' · ', formatDuration(voicemail.duration)),
      voicemail.transcript ? el('p', { class: 'voicemail-transcript' }, voicemail.transcript) : null,
      audio,
      el('div', { class: 'voicemail-actions' },
        this.onCall && parseNumber(voicemail.from, null).state === 'valid'
          ? el('button', {
            type: 'button', class: 'btn voicemail-call', 'aria-label': t('voicemail.callBackWho', { who }),
            onclick: () => this.onCall(voicemail.from),
          }, t('voicemail.callBack'))
          : null,
        el('a', { class: 'btn', href: `${audioUrl}?download=1`, download: '' }, t('voicemail.download')),
        el('button', { type: 'button', class: 'btn danger', onclick: () => this.remove(sid) }, t('voicemail.delete'))));
  }

  async markHeard(sid) {
    try {
      await postJson(`api/voicemail/${encodeURIComponent(sid)}/heard`);
      this.heard(sid);
    } catch (error) {
      this.showError(t('voicemail.failed', { reason: error.message }));
    }
  }

  async remove(sid) {
    try {
      await deleteJson(`api/voicemail/${encodeURIComponent(sid)}`);
      this.removed(sid);
    } catch (error) {
      this.showError(t('voicemail.failed', { reason: error.message }));
    }
  }
}
