// The header indicators (server WebSocket, Twilio phone registration) and
// the banners that say in words why something does not work.

import { t } from './i18n.js';

const SERVER_STATES = ['connecting', 'online', 'offline'];
const PHONE_STATES = ['off', 'starting', 'registering', 'registered', 'unregistered', 'error'];

export class ConnectionStatus {
  constructor(nodes) {
    this.nodes = nodes;
    this.offlineTimer = null;
    nodes.problemClose.addEventListener('click', () => this.problem(''));
  }

  server(state, socket) {
    setIndicator(this.nodes.server, state, t(SERVER_STATES.includes(state) ? `server.${state}` : 'server.other', { state }));
    clearInterval(this.offlineTimer);
    const banner = this.nodes.offlineBanner;
    if (state !== 'offline') {
      banner.hidden = true;
      return;
    }
    banner.hidden = false;
    const update = () => {
      const seconds = Math.max(0, Math.ceil((socket.retryAt - Date.now()) / 1000));
      this.nodes.offlineText.textContent = seconds > 0
        ? t('server.offlineRetryIn', { seconds })
        : t('server.offlineRetrying');
    };
    update();
    this.offlineTimer = setInterval(update, 1000);
  }

  phone(state, reason = '') {
    const label = t(PHONE_STATES.includes(state) ? `phone.${state}` : 'phone.other', { state });
    setIndicator(this.nodes.phone, state, label);
    this.nodes.phone.title = reason;
  }

  /** Calls are off for good on this page (no SDK, no WebRTC, no token). */
  callsOff(reason) {
    this.phone('off');
    this.nodes.sdkBanner.hidden = false;
    this.nodes.sdkBanner.textContent = t('calls.offBecause', { reason });
  }

  problem(message) {
    this.nodes.problemBanner.hidden = !message;
    this.nodes.problemText.textContent = message;
  }
}

function setIndicator(node, state, text) {
  node.dataset.state = state;
  node.querySelector('.label').textContent = text;
}
