// Placing and taking calls: the number field, the call buttons and panel,
// the call log and the Softphone, kept in step; starts the Twilio Device.

import { ApiError } from '../api.js';
import { byId } from '../element.js';
import { loadTwilioSdk, DEFAULT_SDK_URL } from '../sdk-loader.js';
import { Softphone } from '../softphone.js';
import { NumberField } from '../number-field.js';
import { CallPanel } from '../call-panel.js';
import { CallLog } from '../call-log.js';
import { RecentCalls } from '../recent-calls.js';
import { formatE164 } from '../phone-number.js';
import { notifyIncomingCall } from '../call-notification.js';
import { describeError } from '../sdk-errors.js';
import { t } from '../i18n.js';

const PAGE_TITLE = document.title;

/** A reason calls cannot work on this page, said as is in the banner. */
class CallsOff extends Error {}

export class CallController {
  /** `app`: {me, status, announce, names, socket} from main.js. */
  constructor(app) {
    this.app = app;
    this.listeners = { change: [], incoming: [], ended: [], device: [] };
    this.closeNotification = null;
    this.lastEnded = null;  // the last call that ended, for a server outcome that comes after it
    this.listName = 'resync.calls';

    this.field = new NumberField({ select: byId('country'), input: byId('number'), hint: byId('number-hint') });
    this.field.chooseDefaultCountry(Array.isArray(app.me.numbers) ? app.me.numbers : []);
    this.field.setAllowedCountries(app.me.allowedCountries);
    this.panel = new CallPanel({
      state: byId('call-state'),
      timer: byId('call-timer'),
      call: byId('call'),
      answer: byId('answer'),
      reject: byId('reject'),
      hangup: byId('hangup'),
      mute: byId('mute'),
      openDoor: byId('open-door'),
    });
    this.log = new CallLog({
      list: byId('call-log'),
      empty: byId('log-empty'),
      nameFor: (number) => app.names.nameFor(number),
      onRedial: (number) => {
        this.field.fill(number);
        this.dial();
      },
    });
    this.phone = new Softphone({
      deviceState: (state, reason) => app.status.phone(state, reason),
      problem: (message) => app.status.problem(message),
      callChanged: (current) => this.onCallChanged(current),
      callEnded: (current, outcome) => this.onCallEnded(current, outcome),
      incoming: (current) => this.onIncoming(current),
      deviceMade: (device) => this.emit('device', device),
    });
    app.names.onChange(() => this.log.refreshNames());
    this.recent = new RecentCalls({ log: this.log, problem: (message) => app.status.problem(message) });
    this.wireButtons();
    this.listen(app.socket);
    this.recent.reload();
  }

  /** `name`: change (current or null), incoming (current), ended (current, outcome),
   *  device (the Twilio.Device, once made). */
  on(name, listener) {
    this.listeners[name].push(listener);
    return this;
  }

  emit(name, ...args) {
    for (const listener of this.listeners[name]) listener(...args);
  }

  who(number, entry = null) {
    return this.app.names.describe(number, entry);
  }

  /** Who is on `call`: the intercom by its contact name or "Intercom", else `who`. */
  callerOf(call) {
    return call.intercom ? this.intercomName(call.number) : this.who(call.number, call.logEntry);
  }

  intercomName(number) {
    return this.app.names.nameFor(number) || t('log.intercom');
  }

  wireButtons() {
    byId('dial-form').addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.phone.current) this.dial();
    });
    byId('answer').addEventListener('click', () => this.phone.answer());
    byId('reject').addEventListener('click', () => this.phone.reject());
    byId('hangup').addEventListener('click', () => this.phone.hangUp());
    byId('mute').addEventListener('click', () => this.phone.toggleMute());
    byId('open-door').addEventListener('click', () => {
      if (this.phone.openDoor()) this.app.announce(t('call.doorTonesSent'));
    });
    byId('backspace').addEventListener('click', () => this.field.backspace());
  }

  listen(socket) {
    socket
      .on('call.status', (data) => {
        const entry = this.log.applyStatus(data);
        const current = this.phone.current;
        if (current && current.logEntry === entry && current.phase === 'dialing'
            && String(data.status) === 'ringing') {
          current.phase = 'ringing';
          this.panel.show(current, this.callerOf(current));
        }
      })
      .on('call.outcome', (data) => this.onOutcome(data))
      .on('call.updated', (data) => this.recent.applyUpdate(data))
      .on('call.incoming', (data) => {
        const entry = this.log.applyIncoming(data);
        const current = this.phone.current;
        if (current && current.direction === 'incoming' && !current.logEntry) current.logEntry = entry;
      });
  }

  /** Puts a number in the field (a preset, a redial) without calling. */
  fill(number, country) {
    this.field.fill(number, country);
  }

  /** Calls `number` for another part of the page (a contact, a voicemail, a text thread): puts
   *  it in the field first; nothing happens while a call is going on. */
  callBack(number) {
    if (this.phone.current) return;
    this.fill(number, '');
    this.dial(number);
  }

  /** Calls `number`, else the valid number in the field (else focuses the field). */
  async dial(number) {
    const { status, announce } = this.app;
    const e164 = number || this.field.validForCall();
    // A number from elsewhere (a preset, a contact, a voicemail) to a country the server
    // refuses: the field, filled with it, says why.
    const refused = Boolean(e164 && this.field.refusal(e164));
    if (refused && number) this.fill(number, '');
    if (!e164 || refused) {
      byId('number').focus();
      return;
    }
    if (!this.phone.available) {
      status.problem(t('calls.offBecause', { reason: this.panel.callsOff || t('calls.notReady') }));
      return;
    }
    try {
      await this.phone.dial(e164);
      announce(t('call.announceDialing', { who: this.who(e164) }));
    } catch (error) {
      status.problem(t('call.failed', { number: formatE164(e164), reason: describeError(error) }));
    }
  }

  onCallChanged(current) {
    // `focused` is read before the re-render: Chrome blurs a button as soon as it is hidden.
    const focused = document.activeElement;
    this.field.setLocked(Boolean(current));
    if (current) {
      if (!current.logEntry) {
        current.logEntry = this.log.find({ sids: [current.sid], direction: current.direction, number: current.number })
          || this.log.startCall({ direction: current.direction, number: current.number, sid: current.sid });
      }
      this.log.update(current.logEntry, {
        sid: current.sid,
        status: current.phase === 'open' ? 'answered' : undefined,
        answeredAt: current.answeredAt,
      });
    }
    this.panel.show(current, current ? this.callerOf(current) : '');
    if (!current || current.phase !== 'incoming') {
      document.title = PAGE_TITLE;
      if (this.closeNotification) this.closeNotification();
      this.closeNotification = null;
    }
    this.emit('change', current);
    keepFocusInCallActions(focused);
  }

  /** `call.outcome`: the server says how this user's outgoing call ended (busy, no answer...). */
  onOutcome(data) {
    const entry = this.log.applyOutcome(data);
    const outcome = { status: String(data.status || ''), reason: String(data.reason || '') };
    const current = this.phone.current;
    if (current && (current.sid === data.callSid || (entry && current.logEntry === entry))) {
      current.serverOutcome = outcome;
    } else if (this.lastEnded && (this.lastEnded.sid === data.callSid || (entry && this.lastEnded.logEntry === entry))) {
      // The phone hung up before the server's word arrived: say it now.
      this.showEnded(this.lastEnded, outcome.status, outcome.reason);
    }
  }

  onCallEnded(current, outcome) {
    const server = current.serverOutcome;
    const status = server && server.reason ? server.status : outcome;
    const elsewhere = (outcome === 'missed' || outcome === 'canceled') && current.direction === 'incoming'
      && current.logEntry && this.log.answeredElsewhere(current.logEntry, current.sid);
    this.log.update(current.logEntry, { outcome: status, sid: current.sid });
    current.endedAt = Date.now();
    this.lastEnded = current;
    this.showEnded(current, elsewhere ? 'answered-elsewhere' : status, server ? server.reason : '');
    this.emit('ended', current, outcome);
  }

  showEnded(call, status, reason) {
    const seconds = call.answeredAt ? Math.round((call.endedAt - call.answeredAt) / 1000) : 0;
    this.panel.ended(status, this.callerOf(call), seconds, reason);
  }

  onIncoming(current) {
    const caller = this.callerOf(current);
    const intercom = current.intercom;
    document.title = t(intercom ? 'call.intercomTitle' : 'call.incomingTitle', { title: PAGE_TITLE, who: caller });
    this.app.announce(t(intercom ? 'call.announceIntercom' : 'call.announceIncoming', { who: caller }));
    if (document.activeElement === document.body || !document.activeElement) byId('answer').focus();
    this.closeNotification = notifyIncomingCall({
      title: intercom ? t('notify.intercomTitle', { who: caller }) : '',
      caller: intercom ? caller : this.app.names.nameFor(current.number)
        || (current.logEntry && current.logEntry.name) || formatE164(current.number),
      number: intercom ? '' : formatE164(current.number),
      tag: current.sid,
      onAnswer: () => {
        this.phone.answer();
        byId('hangup').focus();
      },
    });
    this.emit('incoming', current);
  }

  /** After the server connection came back: events may have been missed. */
  /** After a reconnect or a `resync` event: calls may have happened meanwhile. Resolves
   *  true once Recent calls is loaded again (main.js retries it otherwise). */
  resync() {
    this.phone.ensureRegistered();
    return this.recent.reload({ quiet: true });
  }

  /** Loads the Voice SDK and registers the Device; says in words why calls are off if not. */
  async start() {
    const { me, status } = this.app;
    window.addEventListener('online', () => this.phone.ensureRegistered());
    try {
      if (me.accessTokens === false) {
        throw new CallsOff(t('calls.legacyTokens'));
      }
      const Twilio = await loadTwilioSdk(me.sdkUrl || DEFAULT_SDK_URL);
      if (Twilio.Device.isSupported === false) throw new CallsOff(t('calls.noWebRtc'));
      await this.phone.start(Twilio);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      const reason = error.name === 'SdkUnavailable' || error instanceof CallsOff
        ? error.message
        : t('calls.startFailed', { reason: describeError(error) });
      if (!this.phone.available) {
        status.callsOff(reason);
        this.panel.setCallsOff(reason);
      } else {
        status.problem(reason);
      }
    }
  }
}

// The focused call button may just have been hidden (Answer -> Hang up, Hang up -> Call):
// keyboard users keep their place on the button that replaced it.
function keepFocusInCallActions(focused) {
  const actions = byId('dial-form').querySelector('.call-actions');
  if (!focused || !focused.hidden || !actions.contains(focused)) return;
  const visible = [...actions.querySelectorAll('button')].find((button) => !button.hidden);
  if (visible) visible.focus();
}
