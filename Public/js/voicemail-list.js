// The voicemail box: list (unheard first, with a badge), play in the page through
// the server (which fetches the audio from Twilio; the page never sees Twilio),
// mark heard when played, delete, download. Knows nothing of other panels.

import { el } from './element.js';
import { getJson, postJson, deleteJson, worthRetrying } from './api.js';
import { formatDuration, formatClock } from './time-format.js';
import { formatE164, parseNumber } from './phone-number.js';
import { t } from './i18n.js';

export class VoicemailList {
  /** `describe(number)`: the caller as the page names them ("Dana (+44 …)"); `onCall(number)`:
   *  "Call back" (shown when the caller's number is known). */
  constructor({ list, empty, badge, error, describe = (number) => formatE164(number), onCall = null }) {
    this.nodes = { list, empty, badge, error };
    this.describe = describe;
    this.onCall = onCall;
    this.items = [];
    // Live events that came while a load was on its way (its answer may be older than they
    // are): replayed on the answer. Kept only while some load is pending.
    this.pendingLoads = 0;
    this.eventsDuringLoad = [];
    // One row per recording, kept while it is shown: re-creating a playing <audio> would stop it.
    this.rows = new Map();
  }

  /** Resolves true once the box is loaded, false when it could not be but may be later (the
   *  error is shown either way). */
  async load() {
    let loaded = false;
    this.pendingLoads += 1;
    const from = this.eventsDuringLoad.length;
    try {
      const answer = await getJson('api/voicemail');
      this.items = answer.voicemails;
      this.replay(this.eventsDuringLoad.slice(from));
      this.showError('');
      loaded = true;
    } catch (error) {
      this.showError(t('voicemail.unavailable', { reason: error.message }));
      loaded = !worthRetrying(error);
    } finally {
      this.pendingLoads -= 1;
      if (this.pendingLoads === 0) this.eventsDuringLoad = [];
    }
    this.render();
    return loaded;
  }

  /** What came live while the answer was on its way, on top of it: a new voicemail the answer
   *  does not know goes back on top; heard and deleted stay so. (A changed one is shown as the
   *  answer has it: its next update corrects it if the answer's was older.) */
  replay(events) {
    for (const { kind, value } of events) {
      if (kind === 'added' && !this.items.some((v) => v.recordingSid === value.recordingSid)) {
        this.items = [value, ...this.items];
      } else if (kind === 'heard') {
        this.items = this.items.map((v) => (v.recordingSid === value ? { ...v, heard: true } : v));
      } else if (kind === 'removed') {
        this.items = this.items.filter((v) => v.recordingSid !== value);
      }
    }
  }

  noteDuringLoad(kind, value) {
    if (this.pendingLoads > 0) this.eventsDuringLoad.push({ kind, value });
  }

  /** `voicemail.new`: newest unheard first. */
  added(voicemail) {
    this.noteDuringLoad('added', voicemail);
    this.items = [voicemail, ...this.items.filter((v) => v.recordingSid !== voicemail.recordingSid)];
    this.render();
  }

  updated(voicemail) {
    this.items = this.items.map((v) => (v.recordingSid === voicemail.recordingSid ? voicemail : v));
    this.render();
  }

  heard(sid) {
    this.noteDuringLoad('heard', sid);
    this.items = this.items.map((v) => (v.recordingSid === sid ? { ...v, heard: true } : v));
    this.render();
  }

  removed(sid) {
    this.noteDuringLoad('removed', sid);
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

  /** Contacts or presets changed: the rows name their callers anew, in place (a voicemail
   *  playing goes on playing). */
  refreshNames() {
    for (const voicemail of this.items) {
      const row = this.rows.get(voicemail.recordingSid);
      if (!row) continue;
      const who = this.describe(voicemail.from);
      row.querySelector('.voicemail-name').textContent = who;
      row.querySelector('.voicemail-call')?.setAttribute('aria-label', t('voicemail.callBackWho', { who }));
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
    const who = this.describe(voicemail.from);
    return el('li', { dataset: { sid } },
      el('p', { class: 'voicemail-who' }, el('span', { class: 'voicemail-name' }, who), ' · ', when, ' · ',
        formatDuration(voicemail.duration)),
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
