// The intercom panel: start, extend or end a grant period (the door opens
// for everyone until it ends), a live countdown, and the recent door
// openings. Every open tab follows the `intercom.*` WebSocket events.

import { getJson, postJson, deleteJson, serverNow, noteServerTime, worthRetrying } from './api.js';
import { el, icon } from './element.js';
import { formatE164 } from './phone-number.js';
import { formatClock, formatDuration, parseServerTime } from './time-format.js';
import { t } from './i18n.js';

const MAX_OPENINGS = 20;
const LENGTHS = [15, 30, 60, 120];

export class IntercomPanel {
  constructor(nodes) {
    this.nodes = nodes;
    this.grant = { active: false, until: 0, by: '' };
    this.openings = [];
    this.timer = null;
    this.busy = false;
    this.lengthChosen = false;
    nodes.form.addEventListener('submit', (event) => {
      event.preventDefault();
      // Enter in the form means the visible button: start when idle, extend when running.
      const extend = event.submitter ? event.submitter === nodes.extend : this.grant.active;
      this.changeGrant(extend ? 'extend' : 'start');
    });
    nodes.end.addEventListener('click', () => this.end());
  }

  /** Resolves true once the state is shown (or the page leaves for the login), false when
   *  it could not be but may be later. */
  async load() {
    try {
      this.apply(await getJson('api/intercom'));
      return true;
    } catch (error) {
      if (error.status === 401) return true;
      this.nodes.state.textContent = t('intercom.unavailable', { reason: error.message });
      return !worthRetrying(error);
    }
  }

  minutes() {
    const checked = this.nodes.form.querySelector('input[name="minutes"]:checked');
    const minutes = checked ? Number(checked.value) : 30;
    return LENGTHS.includes(minutes) ? minutes : 30;
  }

  /** `start` sets the end to now + length; `extend` adds the length to a running grant. */
  async changeGrant(action) {
    await this.send(() => postJson('api/intercom/grant', { minutes: this.minutes(), action }));
  }

  async end() {
    await this.send(() => deleteJson('api/intercom/grant'), { active: false });
  }

  async send(call, fallbackGrant) {
    if (this.busy) return;
    this.busy = true;
    this.setError('');
    this.setButtonsDisabled(true);
    try {
      const answer = await call();
      if (answer && answer.grant) this.apply(answer);
      else if (fallbackGrant) this.setGrant(fallbackGrant);
    } catch (error) {
      if (error.status !== 401) this.setError(t('intercom.changeFailed', { reason: error.message }));
    } finally {
      this.busy = false;
      this.setButtonsDisabled(false);
    }
  }

  /** The JSON of GET api/intercom: {grant:{active, until, by}, openings:[...], grantMinutes?, now?} */
  apply(answer) {
    if (!answer || typeof answer !== 'object') return;
    if (typeof answer.now === 'number') noteServerTime(answer.now * 1000);
    // The server's usual grant length is the starting choice, until the user picks one.
    if (!this.lengthChosen && LENGTHS.includes(answer.grantMinutes)) {
      const radio = this.nodes.form.querySelector(`input[name="minutes"][value="${answer.grantMinutes}"]`);
      if (radio) radio.checked = true;
    }
    if (answer.grant) this.setGrant(answer.grant);
    if (Array.isArray(answer.openings)) {
      this.openings = answer.openings
        .map(normaliseOpening)
        .filter(Boolean)
        .sort((a, b) => b.at - a.at)
        .slice(0, MAX_OPENINGS);
      this.renderOpenings();
    }
  }

  /** `intercom.grant` event: {action: started|extended|ended, until, by} */
  onGrantEvent(data) {
    if (data.action === 'ended') this.setGrant({ active: false });
    else this.setGrant({ active: true, until: data.until, by: data.by });
  }

  /** `intercom.opened` event: {at, how, from} */
  onOpenedEvent(data) {
    const opening = normaliseOpening(data);
    if (!opening) return;
    this.openings.unshift(opening);
    this.openings.length = Math.min(this.openings.length, MAX_OPENINGS);
    this.renderOpenings();
  }

  /** `intercom.ringing` event: {at, from}: no grant, so the call went to the resident. */
  onRingingEvent(data) {
    const at = parseServerTime(data.at) || new Date();
    const { rang } = this.nodes;
    rang.hidden = false;
    rang.textContent = t('intercom.rang', { time: formatClock(at) });
  }

  setGrant(grant) {
    const until = parseServerTime(grant.until);
    const active = Boolean(grant.active) && until !== null && until.getTime() > serverNow();
    this.grant = { active, until: active ? until.getTime() : 0, by: active ? String(grant.by || '') : '' };
    clearInterval(this.timer);
    if (active) this.timer = setInterval(() => this.tick(), 1000);
    this.render();
  }

  tick() {
    if (this.grant.active && this.grant.until <= serverNow()) {
      this.setGrant({ active: false });
      return;
    }
    this.renderCountdown();
  }

  render() {
    const { nodes, grant } = this;
    nodes.box.dataset.active = String(grant.active);
    if (grant.active) {
      const by = grant.by === 'link' ? t('intercom.byLink')
        : grant.by ? t('intercom.byUser', { user: grant.by }) : '';
      nodes.state.textContent = t('intercom.open', { time: formatClock(new Date(grant.until)), by });
    } else {
      nodes.state.textContent = t('intercom.noGrant');
    }
    nodes.start.hidden = grant.active;
    nodes.extend.hidden = !grant.active;
    nodes.end.hidden = !grant.active;
    this.renderButtonLabels();
    this.renderCountdown();
  }

  renderButtonLabels() {
    const minutes = this.minutes();
    const length = minutes >= 60 ? t('intercom.hours', { n: minutes / 60 }) : t('intercom.minutes', { n: minutes });
    this.nodes.start.textContent = t('intercom.start', { length });
    this.nodes.extend.textContent = t('intercom.extend', { length });
  }

  renderCountdown() {
    const { countdown } = this.nodes;
    if (!this.grant.active) {
      countdown.hidden = true;
      countdown.textContent = '';
      return;
    }
    countdown.hidden = false;
    const left = Math.max(0, Math.ceil((this.grant.until - serverNow()) / 1000));
    countdown.textContent = t('intercom.left', { time: formatDuration(left) });
  }

  renderOpenings() {
    const { openings: list, openingsEmpty } = this.nodes;
    list.replaceChildren(...this.openings.map((opening) => el('li', {},
      icon('door'),
      el('span', { class: 'entry-text' },
        el('span', { class: 'entry-title' }, describeOpening(opening)),
        el('span', { class: 'entry-sub' },
          [formatClock(opening.at), opening.from ? t('intercom.callFrom', { number: formatE164(opening.from) }) : '']
            .filter(Boolean).join(' · '))))));
    openingsEmpty.hidden = this.openings.length > 0;
  }

  setButtonsDisabled(disabled) {
    for (const button of [this.nodes.start, this.nodes.extend, this.nodes.end]) button.disabled = disabled;
  }

  setError(message) {
    this.nodes.error.hidden = !message;
    this.nodes.error.textContent = message;
  }

  /** Length radio changed: keep the button labels honest. */
  watchLengths() {
    this.nodes.form.addEventListener('change', () => {
      this.lengthChosen = true;
      this.renderButtonLabels();
    });
    this.renderButtonLabels();
  }
}

function normaliseOpening(data) {
  if (!data || typeof data !== 'object') return null;
  const at = parseServerTime(data.at);
  if (!at) return null;
  return { at, how: String(data.how || ''), from: String(data.from || '') };
}

function describeOpening(opening) {
  if (opening.how === 'grant') return t('intercom.openedGrant');
  if (opening.how === 'code') return t('intercom.openedCode');
  return t('intercom.openedOther', { how: opening.how || t('intercom.unknownWay') });
}
