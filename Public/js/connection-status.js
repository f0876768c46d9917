// The header indicators (server WebSocket, Twilio phone registration) and
// the banners that say in words why something does not work.

const SERVER_LABELS = {
  connecting: 'Server: connecting',
  online: 'Server: online',
  offline: 'Server: offline',
};
const PHONE_LABELS = {
  off: 'Phone: calls off',
  starting: 'Phone: starting',
  registering: 'Phone: connecting',
  registered: 'Phone: ready',
  unregistered: 'Phone: offline',
  error: 'Phone: offline',
};

export class ConnectionStatus {
  constructor(nodes) {
    this.nodes = nodes;
    this.offlineTimer = null;
    nodes.problemClose.addEventListener('click', () => this.problem(''));
  }

  server(state, socket) {
    setIndicator(this.nodes.server, state, SERVER_LABELS[state] || `Server: ${state}`);
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
        ? `Offline: no connection to the server. Trying again in ${seconds} s.`
        : 'Offline: no connection to the server. Trying again…';
    };
    update();
    this.offlineTimer = setInterval(update, 1000);
  }

  phone(state, reason = '') {
    const label = PHONE_LABELS[state] || `Phone: ${state}`;
    setIndicator(this.nodes.phone, state, label);
    this.nodes.phone.title = reason;
  }

  /** Calls are off for good on this page (no SDK, no WebRTC, no token). */
  callsOff(reason) {
    this.phone('off');
    this.nodes.sdkBanner.hidden = false;
    this.nodes.sdkBanner.textContent = `Calls are off: ${reason}`;
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
