// The server's WebSocket (`ws`, relative to this page): JSON events
// {type, data}, reconnection with exponential backoff (1 s .. 30 s, plus
// jitter), and a state the page shows as online / offline. When the WebSocket
// cannot open although the server answers (a proxy that drops the upgrade), the
// same events come over Server-Sent Events (`events`) and `transport` says so.

import { getJson } from './api.js';

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

/** ws:// or wss:// URL of a path relative to the current page. */
export function socketUrl(relativePath) {
  const url = new URL(relativePath, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): doubles from 1 s up to
 * 30 s, plus up to 30 % random jitter so many tabs do not reconnect in step.
 */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** Math.min(attempt, 10));
  return Math.round(base + base * 0.3 * random());
}

/** One auto-reconnecting socket; listeners get (data, type). */
export class LiveSocket {
  constructor(path = 'ws', streamPath = 'events') {
    this.path = path;
    this.streamPath = streamPath;
    this.transport = 'websocket'; // websocket | sse
    this.source = null;
    this.failedOpens = 0;
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.state = 'connecting'; // connecting | online | offline
    this.retryAt = 0;
    this.handlers = new Map();
    this.stateListeners = new Set();
  }

  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return this;
  }

  onState(listener) {
    this.stateListeners.add(listener);
    listener(this.state, this);
    return this;
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', () => this.retryNow());
    this.open();
  }

  /** Stops for good (logout, leaving the page): no reconnects. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, 'leaving');
    if (this.source) this.source.close();
  }

  retryNow() {
    if (this.stopped || this.state === 'online') return;
    clearTimeout(this.timer);
    this.open();
  }

  open() {
    if (this.stopped) return;
    this.setState('connecting');
    let socket;
    try {
      socket = new WebSocket(socketUrl(this.path));
    } catch (error) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.attempt = 0;
      this.failedOpens = 0;
      this.setState('online');
    });
    socket.addEventListener('message', (event) => this.dispatch(event.data));
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!opened) this.failedOpens += 1;
      if (!this.stopped) this.scheduleReconnect();
    });
    // 'error' is always followed by 'close', which does the work.
  }

  scheduleReconnect() {
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.setState('offline');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reconnect(), delay);
  }

  // A WebSocket handshake refused for a lost session looks like any network
  // failure to the page, so ask api/me first: a 401 there leaves for login.
  async reconnect() {
    if (this.stopped) return;
    try {
      await getJson('api/me');
    } catch (error) {
      if (error.status === 401) return;
      this.scheduleReconnect();
      return;
    }
    // The server answered over HTTP, yet the WebSocket never opened: a proxy in between
    // does not pass the upgrade. Listen over Server-Sent Events instead.
    if (this.transport === 'sse' || this.failedOpens > 0) {
      this.openStream();
      return;
    }
    this.open();
  }

  openStream() {
    if (this.stopped) return;
    this.transport = 'sse';
    this.setState('connecting');
    const source = new EventSource(new URL(this.streamPath, location.href).href);
    this.source = source;
    source.addEventListener('open', () => {
      this.attempt = 0;
      this.setState('online');
    });
    source.addEventListener('message', (event) => this.dispatch(event.data));
    source.addEventListener('error', () => {
      if (this.source !== source) return;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (a lost session, say): back to the reconnect path, which asks api/me.
        this.source = null;
        if (!this.stopped) this.scheduleReconnect();
      } else {
        // EventSource reconnects by itself; events may be missed until then.
        this.setState('offline');
      }
    });
  }

  dispatch(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn('ws: ignoring a frame that is not JSON');
      return;
    }
    if (!message || typeof message.type !== 'string') return;
    const data = message.data && typeof message.data === 'object' ? message.data : {};
    for (const key of [message.type, '*']) {
      const set = this.handlers.get(key);
      if (!set) continue;
      for (const handler of set) {
        try {
          handler(data, message.type);
        } catch (error) {
          console.warn(`ws: handler for ${message.type} failed: ${error.message}`);
        }
      }
    }
  }

  setState(state) {
    if (state === this.state && state !== 'offline') return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state, this);
  }
}
