// The call controls under the number field: which buttons show in each
// phase of a call, the words saying what is happening, and the call timer.

import { formatDuration } from './time-format.js';
import { icon } from './element.js';

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
    document.body.dataset.phase = phase;
    nodes.call.hidden = Boolean(current);
    nodes.answer.hidden = phase !== 'incoming';
    nodes.reject.hidden = phase !== 'incoming';
    nodes.hangup.hidden = !current || phase === 'incoming';
    nodes.mute.hidden = phase !== 'open';
    const muted = Boolean(current && current.muted);
    nodes.mute.setAttribute('aria-pressed', String(muted));
    nodes.mute.replaceChildren(icon(muted ? 'mic-off' : 'mic'), document.createTextNode(muted ? 'Unmute' : 'Mute'));
    nodes.hangup.lastChild.textContent = phase === 'open' ? 'Hang up' : 'Cancel';

    switch (phase) {
      case 'idle':
        if (!this.lastEnded) nodes.state.textContent = this.callsOff ? 'Calls are off' : 'Ready';
        break;
      case 'dialing': nodes.state.textContent = `Calling ${who}…`; break;
      case 'ringing': nodes.state.textContent = `Ringing ${who}…`; break;
      case 'incoming': nodes.state.textContent = `Incoming call from ${who}`; break;
      case 'answering': nodes.state.textContent = `Connecting to ${who}…`; break;
      case 'open': nodes.state.textContent = `In call with ${who}`; break;
      default: break;
    }
    if (current) this.lastEnded = '';

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

  /** The call is over: say how it ended until the next one starts. */
  ended(outcome, who, seconds) {
    const words = {
      completed: 'Call ended',
      canceled: 'Call canceled',
      rejected: 'Call rejected',
      missed: 'Missed call',
      failed: 'Call failed',
    };
    const length = seconds ? ` · ${formatDuration(seconds)}` : '';
    this.lastEnded = `${words[outcome] || 'Call ended'}${who ? ` (${who})` : ''}${length}`;
    this.nodes.state.textContent = this.lastEnded;
  }

  tick() {
    if (!this.answeredAt) return;
    this.nodes.timer.textContent = formatDuration((Date.now() - this.answeredAt) / 1000);
  }
}
