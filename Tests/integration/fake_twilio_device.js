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
//   __fakeTwilio.device()._incoming(from, to, custom) -> an incoming Call (`custom`: the
//                                                    <Client>'s <Parameter>s, as customParameters)
//   call._remoteRinging() / _remoteAnswer() / _remoteHangup() / _remoteCancel()
//   __fakeTwilio.device()._tokenWillExpire() / _fail(code, message) / _dropRegistration()
//   call._warn(name) / _clearWarning(name)            -> 'warning' / 'warning-cleared'
//   __fakeTwilio.refuseTokens = {code, message}: every register() fails with that error, as
//   Twilio does with a token it will not take (20101 AccessTokenInvalid)
// device.audio models the SDK's AudioHelper on the browser's real device list
// (Chromium's --use-fake-device-for-media-stream devices): availableInputDevices,
// availableOutputDevices, setInputDevice, speakerDevices / ringtoneDevices
// (get, set, test), 'deviceChange' and 'inputVolume'. Calls to them are in
// __fakeTwilio.audio; the test drives audio._unplug(deviceId) and audio._inputVolume(v).
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
    audio: { inputSets: [], speakerSets: [], ringtoneSets: [], tests: [] },
    failNextConnect: null,   // {code, message}: the next connect() rejects (microphone denied...)
    refuseTokens: null,      // {code, message}: every register() fails with it
    device() { return this.devices[this.devices.length - 1] || null; },
    lastCall() { return this.calls[this.calls.length - 1] || null; },
  };
  window.__fakeTwilio = record;

  let sidCounter = 0;
  function newCallSid() {
    sidCounter += 1;
    // Unique across pages too (two dialers ringing for one call have different legs).
    const page = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
    return `CA${page}${String(sidCounter).padStart(24, '0')}`;
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
    _warn(name, data = {}) { this.emit('warning', name, data); }
    _clearWarning(name) { this.emit('warning-cleared', name); }
    _remoteCancel() {
      this._status = 'closed';
      this._device._forget(this);
      this.emit('cancel');
    }
  }

  /** The SDK's OutputDeviceCollection: a set of output device IDs ('default' to start). */
  class OutputDeviceCollection {
    constructor(audio, name) {
      this._audio = audio;
      this._name = name;
      this._ids = ['default'];
    }
    get() {
      const devices = this._audio.availableOutputDevices;
      return new Set(this._ids.filter((id) => devices.has(id)).map((id) => devices.get(id)));
    }
    set(ids) {
      const list = Array.isArray(ids) ? ids : [ids];
      const unknown = list.filter((id) => !this._audio.availableOutputDevices.has(id));
      if (!list.length || unknown.length) {
        return Promise.reject(new Error(`Devices not found: ${unknown.join(', ')}`));
      }
      record.audio[`${this._name}Sets`].push(list);
      this._ids = [...list];
      return Promise.resolve();
    }
    test(soundUrl) {
      record.audio.tests.push({ collection: this._name, devices: [...this._ids], soundUrl: soundUrl || null });
      return Promise.resolve();
    }
    _lose(id) {
      if (!this._ids.includes(id)) return false;
      this._ids = this._ids.filter((other) => other !== id);
      if (!this._ids.length) this._ids = ['default'];
      return true;
    }
  }

  /** The SDK's AudioHelper, listing the browser's own (fake) media devices. */
  class AudioHelper extends Emitter {
    constructor() {
      super();
      this.availableInputDevices = new Map();
      this.availableOutputDevices = new Map();
      this.inputDevice = null;
      this.isOutputSelectionSupported = true;
      this.isVolumeSupported = true;
      this.speakerDevices = new OutputDeviceCollection(this, 'speaker');
      this.ringtoneDevices = new OutputDeviceCollection(this, 'ringtone');
      this._stream = null;
      this._load();
    }
    async _load() {
      // Labels appear once the page may use the microphone, as with the real SDK.
      const probe = await navigator.mediaDevices.getUserMedia({ audio: true });
      probe.getTracks().forEach((track) => track.stop());
      for (const info of await navigator.mediaDevices.enumerateDevices()) {
        if (info.kind === 'audioinput') this.availableInputDevices.set(info.deviceId, info);
        if (info.kind === 'audiooutput') this.availableOutputDevices.set(info.deviceId, info);
      }
      this.emit('deviceChange', []);
    }
    async setInputDevice(deviceId) {
      const info = this.availableInputDevices.get(deviceId);
      if (!info) throw new Error(`Device not found: ${deviceId}`);
      record.audio.inputSets.push(deviceId);
      if (this._stream) this._stream.getTracks().forEach((track) => track.stop());
      this._stream = await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: deviceId } } });
      this.inputDevice = info;
    }
    async unsetInputDevice() {
      if (this._stream) this._stream.getTracks().forEach((track) => track.stop());
      this._stream = null;
      this.inputDevice = null;
    }
    // ---- the hardware, driven by the test ----
    _unplug(deviceId) {
      const lost = [];
      const input = this.availableInputDevices.get(deviceId);
      const output = this.availableOutputDevices.get(deviceId);
      this.availableInputDevices.delete(deviceId);
      this.availableOutputDevices.delete(deviceId);
      if (input && this.inputDevice && this.inputDevice.deviceId === deviceId) {
        this.inputDevice = null;
        lost.push(input);
      }
      const lostSpeaker = this.speakerDevices._lose(deviceId);
      const lostRingtone = this.ringtoneDevices._lose(deviceId);
      if (output && (lostSpeaker || lostRingtone)) lost.push(output);
      this.emit('deviceChange', lost);
    }
    _inputVolume(volume) { this.emit('inputVolume', volume); }
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
      this.audio = new AudioHelper();
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
      if (record.refuseTokens) {
        const refusal = record.refuseTokens;
        return new Promise((resolve, reject) => later(() => {
          const error = new Error(refusal.message || `fake token refusal ${refusal.code}`);
          error.code = refusal.code;
          this.state = 'unregistered';
          this.emit('error', error);
          reject(error);
        }));
      }
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
    _incoming(from, to = '', custom = {}) {
      const call = new Call(this, 'INCOMING', { From: from, To: to || 'client:fake', CallSid: newCallSid() });
      for (const [name, value] of Object.entries(custom)) call.customParameters.set(name, String(value));
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
