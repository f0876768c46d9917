// The dialer page: asks `api/me` who is logged in, then wires the number
// field, presets, phone, call log, intercom panel and the live WebSocket.

import { getJson, setCsrfToken, logout, ApiError } from './api.js';
import { byId } from './element.js';
import { LiveSocket } from './live-socket.js';
import { loadTwilioSdk, DEFAULT_SDK_URL } from './sdk-loader.js';
import { Softphone } from './softphone.js';
import { NumberField } from './number-field.js';
import { Keypad, KEYPAD_KEYS } from './keypad.js';
import { CallPanel } from './call-panel.js';
import { CallLog } from './call-log.js';
import { PresetsList } from './presets-list.js';
import { IntercomPanel } from './intercom-panel.js';
import { ConnectionStatus } from './connection-status.js';
import { formatE164 } from './phone-number.js';
import {
  notificationsSupported, permission, askPermission, notifyIncomingCall,
} from './call-notification.js';

const ME_RETRY_MS = 5000;

/** A reason calls cannot work on this page, said as is in the banner. */
class CallsOff extends Error {}
const PAGE_TITLE = document.title;

async function whoAmI(status) {
  for (;;) {
    try {
      return await getJson('api/me');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null; // leaving for login
      status.problem(`Cannot reach the server (${error.message}). Trying again…`);
      await new Promise((resolve) => setTimeout(resolve, ME_RETRY_MS));
    }
  }
}

async function boot() {
  const status = new ConnectionStatus({
    server: byId('ind-server'),
    phone: byId('ind-phone'),
    sdkBanner: byId('banner-sdk'),
    offlineBanner: byId('banner-offline'),
    offlineText: byId('offline-text'),
    problemBanner: byId('banner-problem'),
    problemText: byId('problem-text'),
    problemClose: byId('problem-close'),
  });

  const me = await whoAmI(status);
  if (!me) return;
  status.problem('');
  setCsrfToken(me.csrf);
  byId('user-name').textContent = me.user || '';
  const ownNumbers = Array.isArray(me.numbers) ? me.numbers : [];

  const announcer = byId('announcer');
  const announce = (text) => {
    announcer.textContent = '';
    // A fresh text node after a tick makes screen readers repeat identical messages.
    setTimeout(() => { announcer.textContent = text; }, 50);
  };

  const field = new NumberField({ select: byId('country'), input: byId('number'), hint: byId('number-hint') });
  field.chooseDefaultCountry(ownNumbers);

  const panel = new CallPanel({
    state: byId('call-state'),
    timer: byId('call-timer'),
    call: byId('call'),
    answer: byId('answer'),
    reject: byId('reject'),
    hangup: byId('hangup'),
    mute: byId('mute'),
  });

  let presets = null;
  const nameFor = (number) => (presets ? presets.nameFor(number) : '');
  // Presets name people; else the caller name Twilio gave the server (call.incoming).
  const who = (number, entry = null) => {
    const name = nameFor(number) || (entry && entry.name) || '';
    const pretty = formatE164(number) || 'unknown number';
    return name ? `${name} (${pretty})` : pretty;
  };

  const log = new CallLog({
    list: byId('call-log'),
    empty: byId('log-empty'),
    nameFor,
    onRedial: (number) => {
      field.fill(number);
      dial();
    },
  });

  let closeNotification = null;
  let lastCall = null;
  const dtmfSent = byId('dtmf-sent');
  // The focused call button may just have been hidden (Answer -> Hang up, Hang up -> Call):
  // keyboard users keep their place on the button that replaced it.
  // `focused` is read before the re-render: Chrome blurs a button as soon as it is hidden.
  const keepFocusInCallActions = (focused) => {
    const actions = byId('dial-form').querySelector('.call-actions');
    if (!focused || !focused.hidden || !actions.contains(focused)) return;
    const visible = [...actions.querySelectorAll('button')].find((button) => !button.hidden);
    if (visible) visible.focus();
  };
  const phone = new Softphone({
    deviceState: (state, reason) => status.phone(state, reason),
    problem: (message) => status.problem(message),
    callChanged: (current) => {
      const focused = document.activeElement;
      field.setLocked(Boolean(current));
      if (current) {
        if (!current.logEntry) {
          current.logEntry = log.find({ sids: [current.sid], direction: current.direction, number: current.number })
            || log.startCall({ direction: current.direction, number: current.number, sid: current.sid });
        }
        log.update(current.logEntry, {
          sid: current.sid,
          status: current.phase === 'open' ? 'answered' : undefined,
          answeredAt: current.answeredAt,
        });
      }
      panel.show(current, current ? who(current.number, current.logEntry) : '');
      if (!current || current.phase !== 'incoming') {
        document.title = PAGE_TITLE;
        if (closeNotification) closeNotification();
        closeNotification = null;
      }
      if (current && current !== lastCall) {
        // A new call: the tones of the last one are history.
        dtmfSent.textContent = '';
        dtmfSent.dataset.digits = '';
      }
      lastCall = current;
      keepFocusInCallActions(focused);
    },
    callEnded: (current, outcome) => {
      log.update(current.logEntry, { outcome });
      const seconds = current.answeredAt ? Math.round((Date.now() - current.answeredAt) / 1000) : 0;
      panel.ended(outcome, who(current.number, current.logEntry), seconds);
    },
    incoming: (current) => {
      const caller = who(current.number, current.logEntry);
      document.title = `Incoming call · ${PAGE_TITLE}`;
      announce(`Incoming call from ${caller}. Answer or reject with the buttons under the number.`);
      if (document.activeElement === document.body || !document.activeElement) byId('answer').focus();
      closeNotification = notifyIncomingCall({
        caller: nameFor(current.number) || (current.logEntry && current.logEntry.name) || formatE164(current.number),
        number: formatE164(current.number),
        tag: current.sid,
        onAnswer: () => {
          phone.answer();
          byId('hangup').focus();
        },
      });
    },
  });

  async function dial(number) {
    const e164 = number || field.validForCall();
    if (!e164) {
      byId('number').focus();
      return;
    }
    if (!phone.available) {
      status.problem(`Calls are off: ${panel.callsOff || 'the phone is not ready yet'}`);
      return;
    }
    try {
      await phone.dial(e164);
      announce(`Calling ${who(e164)}`);
    } catch (error) {
      status.problem(`The call to ${formatE164(e164)} failed: ${error.message}`);
    }
  }

  presets = new PresetsList({
    list: byId('presets-list'),
    empty: byId('presets-empty'),
    onFill: (preset) => {
      field.fill(preset.number, preset.country);
      byId('number').focus();
    },
    onDial: (preset) => {
      if (phone.current) return;
      field.fill(preset.number, preset.country);
      dial(preset.number);
    },
  });

  byId('dial-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!phone.current) dial();
  });
  byId('answer').addEventListener('click', () => phone.answer());
  byId('reject').addEventListener('click', () => phone.reject());
  byId('hangup').addEventListener('click', () => phone.hangUp());
  byId('mute').addEventListener('click', () => phone.toggleMute());
  byId('backspace').addEventListener('click', () => field.backspace());

  const sendTone = (key) => {
    if (phone.sendDigits(key)) {
      const sent = dtmfSent.dataset.digits ? dtmfSent.dataset.digits + key : key;
      dtmfSent.dataset.digits = sent;
      dtmfSent.textContent = `Tones sent: ${sent}`;
    }
  };
  const keypad = new Keypad(byId('keypad'), (key) => {
    if (phone.inCall) sendTone(key);
    else field.append(key);
  });
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !KEYPAD_KEYS.has(event.key)) return;
    const target = event.target;
    const editable = target instanceof HTMLElement && (target.isContentEditable
      || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA'
      || (target.tagName === 'INPUT' && !target.readOnly && !['radio', 'checkbox', 'button', 'submit'].includes(target.type)));
    if (editable) return;
    if (phone.inCall) {
      event.preventDefault();
      keypad.flash(event.key);
      sendTone(event.key);
    } else if (target === document.body || (target instanceof HTMLElement && target.closest('#keypad'))) {
      event.preventDefault();
      keypad.flash(event.key);
      field.append(event.key);
    }
  });

  const intercom = new IntercomPanel({
    box: byId('grant-box'),
    state: byId('grant-state'),
    countdown: byId('grant-countdown'),
    form: byId('grant-form'),
    start: byId('grant-start'),
    extend: byId('grant-extend'),
    end: byId('grant-end'),
    error: byId('grant-error'),
    openings: byId('openings'),
    openingsEmpty: byId('openings-empty'),
    rang: byId('intercom-rang'),
  });
  intercom.watchLengths();

  const socket = new LiveSocket('ws');
  let wasOffline = false;
  socket
    .on('call.status', (data) => {
      const entry = log.applyStatus(data);
      const current = phone.current;
      if (current && current.logEntry === entry && current.phase === 'dialing'
          && String(data.status) === 'ringing') {
        current.phase = 'ringing';
        panel.show(current, who(current.number, current.logEntry));
      }
    })
    .on('call.incoming', (data) => {
      const entry = log.applyIncoming(data);
      if (phone.current && phone.current.direction === 'incoming' && !phone.current.logEntry) {
        phone.current.logEntry = entry;
      }
    })
    .on('intercom.grant', (data) => intercom.onGrantEvent(data))
    .on('intercom.ringing', (data) => intercom.onRingingEvent(data))
    .on('intercom.opened', (data) => {
      intercom.onOpenedEvent(data);
      announce('The intercom opened the door.');
    })
    .on('logout', () => {
      socket.stop();
      location.assign('login');
    })
    .onState((state) => {
      status.server(state, socket);
      if (state === 'offline') wasOffline = true;
      if (state === 'online' && wasOffline) {
        // Events may have been missed while offline: catch up.
        wasOffline = false;
        intercom.load();
        phone.ensureRegistered();
      }
    });
  byId('offline-retry').addEventListener('click', () => socket.retryNow());

  byId('logout').addEventListener('click', () => {
    socket.stop();
    logout();
  });

  const notifyButton = byId('notify-enable');
  notifyButton.hidden = !(notificationsSupported() && permission() === 'default');
  notifyButton.addEventListener('click', async () => {
    await askPermission();
    notifyButton.hidden = permission() === 'default';
  });

  socket.start();
  window.addEventListener('online', () => phone.ensureRegistered());

  getJson('presets')
    .then((answer) => {
      presets.show(answer);
      log.refreshNames();
    })
    .catch((error) => presets.failed(error.message));
  intercom.load();

  try {
    if (me.accessTokens === false) {
      throw new CallsOff('the server hands out legacy Capability Tokens, which the Voice SDK 2.x refuses '
        + '(set api_key_sid and api_key_secret in [twilio])');
    }
    const Twilio = await loadTwilioSdk(me.sdkUrl || DEFAULT_SDK_URL);
    if (Twilio.Device.isSupported === false) throw new Error('this browser has no WebRTC support');
    await phone.start(Twilio);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    const reason = error.name === 'SdkUnavailable' || error instanceof CallsOff
      ? error.message
      : `the phone could not start (${error.message})`;
    if (!phone.available) {
      status.callsOff(reason);
      panel.setCallsOff(reason);
    } else {
      status.problem(reason);
    }
  }
}

boot();
