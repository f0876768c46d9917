// The call controls under the number field: which buttons show in each
// phase of a call, the words saying what is happening, and the call timer.

import { formatDuration } from './time-format.js';
import { icon } from './element.js';
import { t } from './i18n.js';

const ENDED = ['completed', 'canceled', 'rejected', 'missed', 'failed', 'answered-elsewhere'];
// Endings the server explains (call.outcome), in the words the caller heard.
const SERVER_REASONS = ['busy', 'no-answer', 'failed'];

export class CallPanel {
  constructor(nodes) {
    this.nodes = nodes;
    this.timer = null;
    this.answeredAt = 0;
    this.callsOff = '';
  }

  /** Calls cannot be made on this page; `reason` is shown when the user tries. */
  setCallsOff(reason) {
    this.callsOff = reason;
    this.show(null);
  }

  /** `current` is the Softphone's call (or null); `who` names the other party. */
  show(current, who = '') {
    const { nodes } = this;
    const phase = current ? current.phase : 'idle';
    const intercom = Boolean(current && current.intercom);
    document.body.dataset.phase = phase;
    document.body.dataset.caller = intercom ? 'intercom' : '';
    nodes.call.hidden = Boolean(current);
    nodes.answer.hidden = phase !== 'incoming';
    nodes.reject.hidden = phase !== 'incoming';
    nodes.hangup.hidden = !current || phase === 'incoming';
    nodes.mute.hidden = phase !== 'open';
    // The intercom: the buttons say whom they answer, and once talking the door's tones are a button.
    nodes.openDoor.hidden = !(phase === 'open' && intercom && current.openDigits);
    labelFor(nodes.answer, intercom ? t('call.answerIntercom', { who }) : '');
    labelFor(nodes.reject, intercom ? t('call.rejectIntercom', { who }) : '');
    const muted = Boolean(current && current.muted);
    nodes.mute.setAttribute('aria-pressed', String(muted));
    nodes.mute.replaceChildren(icon(muted ? 'mic-off' : 'mic'), document.createTextNode(t(muted ? 'call.unmute' : 'call.mute')));
    nodes.hangup.lastChild.textContent = t(phase === 'open' ? 'call.hangup' : 'call.cancel');

    switch (phase) {
      case 'idle':
        if (!this.lastEnded) nodes.state.textContent = t(this.callsOff ? 'calls.off' : 'call.ready');
        break;
      case 'dialing': nodes.state.textContent = t('call.dialing', { who }); break;
      case 'ringing': nodes.state.textContent = t('call.ringing', { who }); break;
      case 'incoming': nodes.state.textContent = t(intercom ? 'call.incomingIntercom' : 'call.incoming', { who }); break;
      case 'answering': nodes.state.textContent = t('call.answering', { who }); break;
      case 'open': nodes.state.textContent = t('call.open', { who }); break;
      default: break;
    }
    if (current) this.lastEnded = '';
    if (intercom) nodes.state.prepend(icon('door'));

    if (phase === 'open') {
      if (this.answeredAt !== current.answeredAt) {
        this.answeredAt = current.answeredAt;
        clearInterval(this.timer);
        this.timer = setInterval(() => this.tick(), 500);
      }
      nodes.timer.hidden = false;
      this.tick();
    } else if (!current) {
      clearInterval(this.timer);
      this.answeredAt = 0;
      nodes.timer.hidden = true;
    }
  }

  /**
   * The call is over: say how it ended until the next one starts. `outcome` is the phone's
   * (completed, missed...) or the server's (busy, no-answer, failed with `reason`, the words
   * the caller heard, shown in the page's language when it has them).
   */
  ended(outcome, who, seconds, reason = '') {
    const length = seconds ? ` · ${formatDuration(seconds)}` : '';
    let words;
    if (reason) words = SERVER_REASONS.includes(outcome) ? t(`call.outcome.${outcome}`) : reason;
    else words = t(ENDED.includes(outcome) ? `call.ended.${outcome}` : 'call.ended.completed');
    this.lastEnded = `${words}${who ? ` (${who})` : ''}${length}`;
    this.nodes.state.textContent = this.lastEnded;
  }

  tick() {
    if (!this.answeredAt) return;
    this.nodes.timer.textContent = formatDuration((Date.now() - this.answeredAt) / 1000);
  }
}

/** An accessible name beyond the visible word (the visible word comes first in it), or none. */
function labelFor(button, label) {
  if (label) button.setAttribute('aria-label', label);
  else button.removeAttribute('aria-label');
}
