// Test double for the Twilio Voice JavaScript SDK 2.x: `Twilio.Device` and its
// `Call`, with the same method and event names, and no network. The Selenium
// tests inject it (Page.addScriptToEvaluateOnNewDocument) before the page's own
// scripts run, so the dialer finds `window.Twilio` and skips loading the SDK.
// It also replaces `window.Notification` with a recorder.
// Test-only: this file must never be copied into Public/.
//
// Everything it saw is in `window.__fakeTwilio`:
//   devices, tokens, connects (params of device.connect), calls, notifications, errors
// and the test drives the "network" side with:
//   __fakeTwilio.device()._incoming(from, to)      -> an incoming Call
//   call._remoteRinging() / _remoteAnswer() / _remoteHangup() / _remoteCancel()
//   __fakeTwilio.device()._tokenWillExpire() / _fail(code, message) / _dropRegistration()
(function installFakeTwilio() {
  'use strict';
  if (window.Twilio) return;

  class Emitter {
    constructor() { this._listeners = new Map(); }
    on(name, fn) {
      if (!this._listeners.has(name)) this._listeners.set(name, []);
      this._listeners.get(name).push(fn);
      return this;
    }
    addListener(name, fn) { return this.on(name, fn); }
    once(name, fn) {
      const wrapper = (...args) => { this.off(name, wrapper); fn(...args); };
      return this.on(name, wrapper);
    }
    off(name, fn) {
      const list = this._listeners.get(name) || [];
      this._listeners.set(name, list.filter((f) => f !== fn));
      return this;
    }
    removeListener(name, fn) { return this.off(name, fn); }
    removeAllListeners(name) {
      if (name) this._listeners.delete(name); else this._listeners.clear();
      return this;
    }
    listenerCount(name) { return (this._listeners.get(name) || []).length; }
    emit(name, ...args) {
      const record = window.__fakeTwilio;
      record.events.push(`${this.constructor.name}:${name}`);
      for (const fn of [...(this._listeners.get(name) || [])]) {
        try {
          fn(...args);
        } catch (error) {
          record.errors.push(`${name} listener threw: ${error && error.message}`);
          throw error;
        }
      }
      return true;
    }
  }

  const record = {
    devices: [],
    tokens: [],
    connects: [],
    calls: [],
    notifications: [],
    errors: [],
    events: [],
    failNextConnect: null,   // {code, message}: the next connect() rejects (microphone denied...)
    device() { return this.devices[this.devices.length - 1] || null; },
    lastCall() { return this.calls[this.calls.length - 1] || null; },
  };
  window.__fakeTwilio = record;

  let sidCounter = 0;
  function newCallSid() {
    sidCounter += 1;
    return `CA${String(sidCounter).padStart(32, '0')}`;
  }
  const later = (fn) => setTimeout(fn, 0);
  const DTMF = /^[0-9*#w]+$/;

  class Call extends Emitter {
    constructor(device, direction, parameters) {
      super();
      this._device = device;
      this.direction = direction;            // 'OUTGOING' | 'INCOMING' as in the SDK
      this.parameters = { ...parameters };
      this.customParameters = new Map();
      this._status = 'pending';
      this._muted = false;
      this.sentDigits = '';
      this.actions = [];
      record.calls.push(this);
    }
    status() { return this._status; }
    isMuted() { return this._muted; }
    accept() {
      this.actions.push('accept');
      if (this._status !== 'pending') return;
      this._status = 'connecting';
      later(() => {
        this._status = 'open';
        this._device._active = this;
        this.emit('accept', this);
      });
    }
    reject() {
      this.actions.push('reject');
      if (this._status !== 'pending') return;
      this._status = 'closed';
      this._device._forget(this);
      this.emit('reject');
    }
    ignore() {
      this.actions.push('ignore');
      this._status = 'closed';
      this._device._forget(this);
    }
    disconnect() {
      this.actions.push('disconnect');
      if (this._status === 'closed') return;
      this._status = 'closed';
      this._device._forget(this);
      later(() => this.emit('disconnect', this));
    }
    mute(shouldMute = true) {
      const next = Boolean(shouldMute);
      this.actions.push(next ? 'mute' : 'unmute');
      if (next === this._muted) return;
      this._muted = next;
      this.emit('mute', next, this);
    }
    sendDigits(digits) {
      if (typeof digits !== 'string' || !DTMF.test(digits)) {
        throw new Error(`Illegal character passed into sendDigits: ${digits}`);
      }
      if (this._status !== 'open') throw new Error(`sendDigits on a call that is ${this._status}`);
      this.sentDigits += digits;
    }
    // ---- the far end, driven by the test ----
    _remoteRinging() { this._status = 'ringing'; this.emit('ringing', false); }
    _remoteAnswer() {
      this._status = 'open';
      this._device._active = this;
      this.emit('accept', this);
    }
    _remoteHangup() {
      if (this._status === 'closed') return;
      this._status = 'closed';
      this._device._forget(this);
      this.emit('disconnect', this);
    }
    _remoteCancel() {
      this._status = 'closed';
      this._device._forget(this);
      this.emit('cancel');
    }
  }

  class Device extends Emitter {
    constructor(token, options = {}) {
      super();
      if (typeof token !== 'string') throw new TypeError('Parameter "token" must be of type "string".');
      this.token = token;
      this.options = options;
      this.state = 'unregistered';
      this._calls = [];
      this._active = null;
      this.registerCount = 0;
      record.devices.push(this);
      record.tokens.push(token);
    }
    static get isSupported() { return true; }
    static get version() { return '2.99.0-fake'; }
    get calls() { return [...this._calls]; }
    get isBusy() { return Boolean(this._active); }
    get identity() { return 'fake'; }
    register() {
      this.registerCount += 1;
      this.state = 'registering';
      this.emit('registering');
      return new Promise((resolve) => later(() => {
        this.state = 'registered';
        this.emit('registered');
        resolve();
      }));
    }
    unregister() {
      this.state = 'unregistered';
      this.emit('unregistered');
      return Promise.resolve();
    }
    updateToken(token) {
      if (typeof token !== 'string') throw new TypeError('Parameter "token" must be of type "string".');
      this.token = token;
      record.tokens.push(token);
    }
    updateOptions(options) { this.options = { ...this.options, ...options }; }
    async connect(options = {}) {
      if (this._active || this._calls.some((c) => c.direction === 'OUTGOING' && c._status !== 'closed')) {
        throw new Error('A Call is already active');
      }
      record.connects.push({ ...(options.params || {}) });
      if (record.failNextConnect) {
        const failure = record.failNextConnect;
        record.failNextConnect = null;
        const error = new Error(failure.message || 'connect failed');
        error.code = failure.code;
        throw error;
      }
      const call = new Call(this, 'OUTGOING', { ...(options.params || {}), CallSid: newCallSid() });
      call._status = 'connecting';
      this._calls.push(call);
      return call;
    }
    disconnectAll() { for (const call of this.calls) call.disconnect(); }
    destroy() {
      this.disconnectAll();
      this.state = 'destroyed';
      this.emit('destroyed');
    }
    _forget(call) {
      this._calls = this._calls.filter((c) => c !== call);
      if (this._active === call) this._active = null;
    }
    // ---- the network, driven by the test ----
    _incoming(from, to = '') {
      const call = new Call(this, 'INCOMING', { From: from, To: to || 'client:fake', CallSid: newCallSid() });
      this._calls.push(call);
      this.emit('incoming', call);
      return call;
    }
    _tokenWillExpire() { this.emit('tokenWillExpire', this); }
    _fail(code, message) {
      const error = new Error(message || `fake error ${code}`);
      error.code = code;
      this.emit('error', error);
    }
    _dropRegistration() {
      this.state = 'unregistered';
      this.emit('unregistered');
    }
  }

  class FakeNotification {
    constructor(title, options = {}) {
      this.title = title;
      this.body = options.body || '';
      this.tag = options.tag || '';
      this.closed = false;
      this.onclick = null;
      record.notifications.push(this);
    }
    static get permission() { return 'granted'; }
    static requestPermission() { return Promise.resolve('granted'); }
    close() { this.closed = true; }
    _click() { if (typeof this.onclick === 'function') this.onclick({ target: this }); }
  }

  window.Notification = FakeNotification;
  window.Twilio = { Device, Call };
})();
