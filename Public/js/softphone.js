// The browser phone: one Twilio.Device (Voice JS SDK 2.x), kept registered
// (token refresh before expiry, re-registration after errors and reconnects),
// and at most one current call with its phase, timer start and mute state.

import { getJson } from './api.js';
import { backoffDelay } from './live-socket.js';
import { describeError as describe } from './sdk-errors.js';
import { t } from './i18n.js';

// Errors that mean "your token is bad or old": fetch a new one, then register (with backoff).
// 31206 "Rate exceeded authorized limit" is not one: it is retried like any other error.
export const TOKEN_ERROR_CODES = new Set([20101, 20102, 20103, 20104, 20105, 31202, 31204, 31205]);
// A fresh token Twilio refuses this many times in a row will not get better: stop and say so.
export const MAX_TOKEN_REFUSALS = 3;

/**
 * Listeners (all optional):
 *  deviceState(state, reason)  state: off | starting | registering | registered | unregistered | error
 *  callChanged(current)        current: {direction, number, phase, sid, muted, answeredAt, intercom,
 *                              openDigits} or null (`intercom`: the building's intercom calls;
 *                              `openDigits`: the tones that open its door, '' when not known)
 *  callEnded(current, outcome) outcome: completed | canceled | rejected | missed | failed
 *  incoming(current)           a new incoming call is ringing
 *  problem(message)            something the user should read
 *  deviceMade(device)          the Twilio.Device exists (its `audio` can be set up)
 */
export class Softphone {
  constructor(listeners = {}) {
    this.listeners = listeners;
    this.Twilio = null;
    this.device = null;
    this.state = 'off';
    this.current = null;
    this.registerAttempt = 0;
    this.registerTimer = null;
    this.wantRegistered = false;
    this.tokenRefusals = 0;
    this.tokenAttempt = 0;
    this.tokenTimer = null;
    this.gaveUp = '';
  }

  get available() {
    return Boolean(this.device);
  }

  async start(Twilio) {
    this.Twilio = Twilio;
    this.setState('starting');
    const grant = await this.fetchToken();
    const device = new Twilio.Device(grant.token, {
      codecPreferences: ['opus', 'pcmu'],
      closeProtection: true,
    });
    this.device = device;
    this.emit('deviceMade', device);
    device.on('registering', () => this.setState('registering'));
    device.on('registered', () => {
      this.registerAttempt = 0;
      this.tokenRefusals = 0;
      this.setState('registered');
    });
    device.on('unregistered', () => {
      this.setState('unregistered');
      if (this.wantRegistered) this.scheduleRegister();
    });
    device.on('error', (error, call) => this.onDeviceError(error, call));
    device.on('incoming', (call) => this.onIncoming(call));
    device.on('tokenWillExpire', () => this.refreshToken());
    this.wantRegistered = true;
    await this.register();
  }

  async fetchToken() {
    const grant = await getJson('token');
    if (!grant || typeof grant.token !== 'string' || !grant.token) {
      throw new Error('token: the answer has no "token" string');
    }
    return grant;
  }

  /** A new token for the Device; a failed fetch is retried with backoff. Returns whether it got one. */
  async refreshToken() {
    if (!this.device || this.gaveUp) return false;
    clearTimeout(this.tokenTimer);
    try {
      const grant = await this.fetchToken();
      if (this.gaveUp) return false;
      this.tokenAttempt = 0;
      this.device.updateToken(grant.token);
      return true;
    } catch (error) {
      if (error.status === 401) return false;
      const delay = backoffDelay(this.tokenAttempt);
      this.tokenAttempt += 1;
      this.problem(t('phone.tokenRefreshFailed', { reason: error.message }));
      this.tokenTimer = setTimeout(() => this.refreshToken(), delay);
    }
  }

  async register() {
    const device = this.device;
    if (!device || this.gaveUp || device.state === 'registered' || device.state === 'registering') return;
    clearTimeout(this.registerTimer);
    try {
      await device.register();
    } catch (error) {
      // A token error also arrives as the Device's 'error' event, which fetches a token and retries.
      if (TOKEN_ERROR_CODES.has(error && Number(error.code))) return;
      this.setState('error', describe(error));
      this.scheduleRegister();
    }
  }

  /** Register again soon, backing off like the WebSocket does: the one way to re-register. */
  scheduleRegister() {
    if (this.gaveUp) return;
    clearTimeout(this.registerTimer);
    const delay = backoffDelay(this.registerAttempt);
    this.registerAttempt += 1;
    this.registerTimer = setTimeout(() => this.register(), delay);
  }

  /** The network or the server came back: make sure we can take calls. */
  ensureRegistered() {
    if (!this.device || !this.wantRegistered || this.gaveUp) return;
    if (this.device.state !== 'registered' && this.device.state !== 'registering') {
      this.registerAttempt = 0;
      this.scheduleRegister();
    }
  }

  async onDeviceError(error, call) {
    const code = error && Number(error.code);
    if (TOKEN_ERROR_CODES.has(code)) {
      if (this.gaveUp) return;
      this.tokenRefusals += 1;
      if (this.tokenRefusals > MAX_TOKEN_REFUSALS) {
        this.giveUp(t('phone.tokenRefused', { reason: describe(error) }));
        return;
      }
      if (await this.refreshToken()) this.scheduleRegister();
      return;
    }
    if (call && this.current && this.current.call === call) {
      this.problem(t('call.errorWords', { reason: describe(error) }));
    } else {
      this.problem(t('phone.errorWords', { reason: describe(error) }));
    }
    if (this.device && this.device.state !== 'registered') {
      this.setState('error', describe(error));
      this.scheduleRegister();
    }
  }

  /** Stops every retry for good and says why. */
  giveUp(message) {
    this.gaveUp = message;
    this.wantRegistered = false;
    clearTimeout(this.registerTimer);
    clearTimeout(this.tokenTimer);
    this.setState('error', message);
    this.problem(message);
  }

  async dial(e164) {
    if (!this.device) throw new Error(t('calls.offShort'));
    if (this.current) throw new Error(t('calls.alreadyOne'));
    // Show the call at once: connect() waits for the microphone prompt.
    this.current = {
      call: null, direction: 'outgoing', number: e164, phase: 'dialing',
      sid: '', muted: false, answeredAt: 0, startedAt: Date.now(),
    };
    this.changed();
    let call;
    try {
      call = await this.device.connect({ params: { To: e164 } });
    } catch (error) {
      this.end('failed');
      throw error;
    }
    if (!this.current) {
      // Hung up while the connection was being set up.
      call.disconnect();
      return call;
    }
    this.current.call = call;
    this.wireCall(call);
    this.changed();
    return call;
  }

  onIncoming(call) {
    if (this.current) {
      call.reject();
      return;
    }
    const params = call.parameters || {};
    this.current = {
      call, direction: 'incoming', number: params.From || '', phase: 'incoming',
      sid: params.CallSid || '', muted: false, answeredAt: 0, startedAt: Date.now(),
      ...intercomOf(call),
    };
    this.wireCall(call);
    this.changed();
    this.emit('incoming', this.current);
  }

  wireCall(call) {
    const mine = () => this.current && this.current.call === call;
    const sid = () => (call.parameters && call.parameters.CallSid) || '';
    call.on('ringing', () => {
      if (!mine()) return;
      this.current.sid = sid() || this.current.sid;
      if (this.current.phase === 'dialing') this.current.phase = 'ringing';
      this.changed();
    });
    call.on('accept', () => {
      if (!mine()) return;
      this.current.sid = sid() || this.current.sid;
      this.current.phase = 'open';
      this.current.answeredAt = Date.now();
      this.changed();
    });
    call.on('mute', (muted) => {
      if (!mine()) return;
      this.current.muted = Boolean(muted);
      this.changed();
    });
    call.on('disconnect', () => mine() && this.end('completed'));
    call.on('cancel', () => mine() && this.end(this.current.direction === 'incoming' ? 'missed' : 'canceled'));
    call.on('reject', () => mine() && this.end('rejected'));
    call.on('error', (error) => {
      if (!mine()) return;
      this.problem(t('call.errorWords', { reason: describe(error) }));
      if (typeof call.status === 'function' && call.status() === 'closed') this.end('failed');
    });
  }

  answer() {
    const current = this.current;
    if (!current || current.phase !== 'incoming' || !current.call) return;
    current.phase = 'answering';
    this.changed();
    current.call.accept();
  }

  reject() {
    const current = this.current;
    if (!current || current.phase !== 'incoming' || !current.call) return;
    current.call.reject();
    this.end('rejected');
  }

  hangUp() {
    const current = this.current;
    if (!current) return;
    if (current.call) current.call.disconnect();
    this.end(current.answeredAt ? 'completed' : 'canceled');
  }

  toggleMute() {
    const current = this.current;
    if (!current || !current.call || current.phase !== 'open') return;
    const muted = !current.call.isMuted();
    current.call.mute(muted);
    current.muted = current.call.isMuted();
    this.changed();
  }

  /** The door's tones to the intercom's call (`openDigits`); returns whether they were sent. */
  openDoor() {
    const current = this.current;
    return Boolean(current && current.intercom && current.openDigits && this.sendDigits(current.openDigits));
  }

  /** DTMF to the current call; returns whether the digits were sent. */
  sendDigits(digits) {
    const current = this.current;
    if (!current || !current.call || current.phase !== 'open') return false;
    current.call.sendDigits(digits);
    return true;
  }

  get inCall() {
    return Boolean(this.current && this.current.phase === 'open');
  }

  end(outcome) {
    const current = this.current;
    if (!current) return;
    this.current = null;
    current.phase = 'ended';
    this.emit('callEnded', current, outcome);
    this.changed();
  }

  changed() {
    this.emit('callChanged', this.current);
  }

  problem(message) {
    this.emit('problem', message);
  }

  setState(state, reason = '') {
    this.state = state;
    this.emit('deviceState', state, reason);
  }

  emit(name, ...args) {
    const listener = this.listeners[name];
    if (typeof listener === 'function') listener(...args);
  }
}

// A call the server's intercom forward rang: its <Client> carries <Parameter name="intercom"
// value="true"/> and the door's `openDigits`, which the SDK hands over as `customParameters`.
const DOOR_DIGITS = /^[0-9*#w]{1,32}$/;
function intercomOf(call) {
  const custom = call.customParameters instanceof Map ? call.customParameters : new Map();
  if (custom.get('intercom') !== 'true') return { intercom: false, openDigits: '' };
  const digits = String(custom.get('openDigits') || '');
  return { intercom: true, openDigits: DOOR_DIGITS.test(digits) ? digits : '' };
}
