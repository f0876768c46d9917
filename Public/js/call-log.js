// Recent calls: one row per call, loaded from the server's history (`applyRecord`),
// created by the phone (dial, incoming) or by the server's `call.status` /
// `call.incoming` events, and kept up to date with the live status pushed by
// Twilio's callbacks; the server's `call.updated` record is the final word.

import { el, icon } from './element.js';
import { formatE164, sameNumber } from './phone-number.js';
import { formatClock, formatDuration, parseServerTime } from './time-format.js';
import { t } from './i18n.js';

// Twilio CallStatus values and our own local outcomes -> the word in the log (catalogue `log.<word>`).
const STATUS_LABELS = {
  queued: 'calling',
  initiated: 'calling',
  calling: 'calling',
  ringing: 'ringing',
  'in-progress': 'answered',
  answered: 'answered',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'noAnswer',
  failed: 'failed',
  canceled: 'canceled',
  missed: 'missed',
  rejected: 'rejected',
};
// What one leg of a call that rang several browsers may say without speaking for the call:
// when a sibling leg was answered, the call was answered.
const SIBLING_LOSERS = new Set(['canceled', 'no-answer', 'missed', 'rejected', 'busy']);
const ANSWERED = new Set(['in-progress', 'answered']);
const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled', 'missed', 'rejected']);
// How far along a call is: statuses may arrive out of order, never go back.
const RANK = { calling: 0, ringing: 1, answered: 2 };
const statusWord = (status) => (STATUS_LABELS[status] ? t(`log.${STATUS_LABELS[status]}`) : status);
const MATCH_WINDOW_MS = 4 * 60 * 60 * 1000;

let nextId = 1;

export class CallLog {
  constructor({ list, empty, nameFor, onRedial }) {
    this.list = list;
    this.empty = empty;
    this.nameFor = nameFor;
    this.onRedial = onRedial;
    this.entries = [];
  }

  /** A call placed or received by this tab's phone. */
  startCall({ direction, number, sid = '', status }) {
    const entry = this.create(direction, number, status || (direction === 'incoming' ? 'ringing' : 'calling'));
    if (sid) entry.sids.add(sid);
    this.render(entry);
    return entry;
  }

  /** Finds the row of a phone call by its SIDs, else by direction and number. */
  find({ sids = [], direction, number }) {
    for (const sid of sids) {
      if (!sid) continue;
      const bySid = this.entries.find((entry) => entry.sids.has(sid));
      if (bySid) return bySid;
    }
    const now = Date.now();
    return this.entries.find((entry) => entry.direction === direction
      && sameNumber(entry.number, number)
      && !entry.serverFinal
      && now - entry.startedAt < MATCH_WINDOW_MS) || null;
  }

  /** True when a row shows the call with this SID. */
  hasCall(sid) {
    return this.entries.some((entry) => entry.sids.has(sid));
  }

  /** Empties the list (a new search). */
  clear() {
    for (const entry of this.entries) entry.row?.remove();
    this.entries = [];
    this.empty.hidden = false;
  }

  /**
   * A call from the server's history (GET api/calls, `call.updated`): {callSid, direction,
   * other, callerName, state, outcome, startedAt, answeredAt, duration}. `older` rows (a page
   * of history) go below the ones shown; a new call goes on top.
   */
  applyRecord(call, { older = false } = {}) {
    const direction = call.direction === 'outgoing' ? 'outgoing' : 'incoming';
    let entry = this.find({ sids: [call.callSid], direction, number: call.other || '' });
    if (!entry) {
      entry = this.create(direction, call.other || '', 'calling', { older });
    }
    entry.sids.add(call.callSid);
    if (call.direction === 'intercom') entry.intercom = true;
    // The intercom shows as the intercom, whatever its caller ID's name; a refused stranger by theirs.
    if (call.callerName && !this.nameFor(call.other) && (!entry.intercom || call.door === 'refused')) {
      entry.name = String(call.callerName);
    }
    if (Number.isFinite(call.startedAt)) entry.startedAt = call.startedAt;
    if (Number.isFinite(call.answeredAt)) entry.answeredAt = call.answeredAt;
    if (Number.isFinite(call.duration)) entry.duration = call.duration;
    entry.door = typeof call.door === 'string' ? call.door : '';
    entry.answeredBy = typeof call.answeredBy === 'string' ? call.answeredBy : '';
    entry.answeredNumber = typeof call.answeredNumber === 'string' ? call.answeredNumber : '';
    if (call.outcome) {
      entry.serverFinal = false;
      entry.status = 'calling';
      this.setStatus(entry, call.outcome, true);
    } else if (!FINAL.has(entry.status)) {
      this.setStatus(entry, call.state === 'in-progress' ? 'in-progress' : 'ringing', true);
    }
    this.render(entry, { older });
    return entry;
  }

  /** The local phone moved on (answered, ended...). */
  update(entry, { sid, status, outcome, answeredAt, endedAt } = {}) {
    if (!entry) return;
    if (sid) entry.sids.add(sid);
    if (answeredAt) entry.answeredAt = answeredAt;
    if (status) this.setStatus(entry, status, false);
    if (outcome) {
      entry.endedAt = endedAt || Date.now();
      // The server's final word (with Twilio's duration) wins over ours, and so does another
      // browser that answered the call this one only heard ringing.
      const answeredElsewhere = SIBLING_LOSERS.has(outcome) && this.answeredElsewhere(entry, sid);
      if (!entry.serverFinal && !answeredElsewhere) this.setStatus(entry, outcome, false);
      if (!entry.duration && entry.answeredAt) {
        entry.duration = Math.round((entry.endedAt - entry.answeredAt) / 1000);
      }
    }
    this.render(entry);
  }

  /** A `call.status` event: {callSid, parentCallSid?, status, direction, from, to, fromUser, toUser, duration, timestamp}. */
  applyStatus(data) {
    const { direction, number } = otherParty(data);
    const sids = [data.callSid, data.parentCallSid].filter(Boolean);
    let entry = this.find({ sids, direction, number });
    if (!entry) {
      entry = this.create(direction, number || '', 'calling');
      const at = parseServerTime(data.timestamp);
      if (at) entry.startedAt = at.getTime();
    }
    for (const sid of sids) entry.sids.add(sid);
    const status = String(data.status || '').toLowerCase();
    const leg = data.callSid && data.parentCallSid ? String(data.callSid) : '';
    if (leg) this.recordLeg(entry, leg, status);
    if (leg && SIBLING_LOSERS.has(status) && (entry.answeredAt || this.answeredElsewhere(entry, leg))) {
      // Another browser took this call: this leg's canceled / no-answer is not the call's.
      this.render(entry);
      return entry;
    }
    if (ANSWERED.has(status) && !entry.answeredAt) entry.answeredAt = Date.now();
    if (data.duration !== undefined && data.duration !== null && data.duration !== '') {
      const seconds = Number(data.duration);
      if (Number.isFinite(seconds)) entry.duration = seconds;
    }
    if (leg && ANSWERED.has(status) && SIBLING_LOSERS.has(entry.status)) {
      // A sibling's canceled arrived first: the answer wins.
      entry.status = 'answered';
      entry.serverFinal = false;
    }
    if (status) this.setStatus(entry, status, true);
    this.render(entry);
    return entry;
  }

  /** A `call.outcome` event: how this user's outgoing call ended, {callSid, dialCallSid, status, reason, to}. */
  applyOutcome(data) {
    const sids = [data.callSid, data.dialCallSid].filter(Boolean);
    const entry = this.find({ sids, direction: 'outgoing', number: data.to || '' });
    if (!entry) return null;
    for (const sid of sids) entry.sids.add(sid);
    const status = String(data.status || '').toLowerCase();
    if (data.reason) entry.reason = String(data.reason);
    if (STATUS_LABELS[status]) this.setStatus(entry, status, true);
    this.render(entry);
    return entry;
  }

  /** The status each leg (by its CallSid) reported, and whether it was ever answered. */
  recordLeg(entry, sid, status) {
    const leg = entry.legs.get(sid) || { status: '', answered: false };
    leg.status = status;
    if (ANSWERED.has(status)) leg.answered = true;
    entry.legs.set(sid, leg);
  }

  /** True when a leg other than `sid` of this call was answered. */
  answeredElsewhere(entry, sid = '') {
    for (const [legSid, leg] of entry.legs) {
      if (legSid !== sid && leg.answered) return true;
    }
    return false;
  }

  /** A `call.incoming` event: {callSid, from, to, callerName}. */
  applyIncoming(data) {
    let entry = this.find({ sids: [data.callSid], direction: 'incoming', number: data.from });
    if (!entry) entry = this.create('incoming', data.from || '', 'ringing');
    if (data.callSid) entry.sids.add(data.callSid);
    if (data.callerName) entry.name = String(data.callerName);
    this.render(entry);
    return entry;
  }

  create(direction, number, status, { older = false } = {}) {
    const entry = {
      id: nextId++,
      direction,
      number: String(number || ''),
      name: this.nameFor(number) || '',
      status,
      serverFinal: false,
      reason: '',
      sids: new Set(),
      legs: new Map(),
      startedAt: Date.now(),
      answeredAt: 0,
      endedAt: 0,
      duration: 0,
      door: '',        // the intercom: grant, code, answered or refused (server records only)
      answeredBy: '',  // the browser user who took the call (server records only)
      answeredNumber: '',  // the phone (E.164) that took it, when no browser did (server records only)
      intercom: false, // a call from the building's intercom (server records only)
      row: null,
    };
    if (older) this.entries.push(entry); else this.entries.unshift(entry);
    return entry;
  }

  setStatus(entry, status, fromServer) {
    const label = STATUS_LABELS[status] ? status : 'calling';
    const wasFinal = FINAL.has(entry.status);
    const isFinal = FINAL.has(label);
    if (fromServer && isFinal) entry.serverFinal = true;
    if (wasFinal && !isFinal) return; // a late "ringing" after the end
    const before = RANK[STATUS_LABELS[entry.status]];
    const after = RANK[STATUS_LABELS[label]];
    if (!isFinal && before !== undefined && after !== undefined && after < before) return;
    // Twilio calls an unanswered incoming call "completed" or "no-answer".
    entry.status = label;
  }

  render(entry, { older = false } = {}) {
    this.empty.hidden = this.entries.length > 0;
    if (!entry.row) {
      entry.row = this.buildRow(entry);
      if (older) this.list.append(entry.row); else this.list.prepend(entry.row);
    }
    const { row } = entry;
    const status = entry.status;
    const label = statusWord(status);
    const title = titleOf(entry);
    const missed = entry.direction === 'incoming' && (status === 'missed' || status === 'no-answer');
    row.dataset.status = status;
    row.dataset.direction = entry.intercom ? 'intercom' : entry.direction;
    row.dataset.outcome = missed ? 'missed' : (status === 'failed' ? 'failed' : '');
    row.querySelector('.direction').replaceChildren(
      icon(entry.intercom ? 'door' : missed ? 'missed' : entry.direction === 'incoming' ? 'incoming' : 'outgoing'),
      el('span', { class: 'visually-hidden' }, t(entry.intercom ? 'log.intercomCall'
        : entry.direction === 'incoming' ? 'log.incoming' : 'log.outgoing')),
    );
    row.querySelector('.entry-title').textContent = title;
    const parts = [];
    // A name's number, except the intercom's own: under "Intercom" it says nothing new.
    if (entry.number && entry.name && titleOf(entry) === entry.name) parts.push(formatE164(entry.number));
    parts.push(formatClock(new Date(entry.startedAt)));
    if (FINAL.has(status) && (entry.duration || entry.answeredAt)) parts.push(formatDuration(entry.duration));
    const taken = whoTookIt(entry, this.nameFor);
    if (taken) parts.push(taken);
    row.querySelector('.entry-sub').textContent = parts.join(' · ');
    const badge = row.querySelector('.status-badge');
    badge.dataset.status = status;
    badge.title = entry.reason;
    badge.textContent = FINAL.has(status) && status === 'completed' && entry.duration
      ? `${label} ${formatDuration(entry.duration)}`
      : label;
    // Calling the intercom back reaches no one: its rows have no call button.
    const redial = row.querySelector('.round-btn');
    redial.hidden = !entry.number || entry.intercom;
    redial.setAttribute('aria-label', t('log.redial', { who: title }));
  }

  buildRow(entry) {
    return el('li', { dataset: { entry: entry.id } },
      el('span', { class: 'direction' }),
      el('span', { class: 'entry-text' },
        el('span', { class: 'entry-title' }),
        el('span', { class: 'entry-sub' })),
      el('span', { class: 'status-badge' }),
      el('button', {
        type: 'button',
        class: 'round-btn',
        onclick: () => this.onRedial(entry.number),
      }, icon('phone')));
  }

  /** Presets arrived after some rows were made: put names on them. */
  refreshNames() {
    for (const entry of this.entries) {
      if (!entry.name) entry.name = this.nameFor(entry.number) || '';
      this.render(entry);
    }
  }
}

/**
 * Which way a leg goes for the user, and the other party's number. The server
 * names a browser leg's user in `fromUser`/`toUser` (its `from`/`to` is null): a
 * leg from a browser is a call the user placed (whatever Twilio's Direction says),
 * a leg to a browser one they receive.
 */
/** A row's heading: the intercom (under the name a contact gives its number), else the other
 *  party's name or number. A refused caller is not the intercom, so it shows as itself. */
function titleOf(entry) {
  if (entry.intercom && entry.door !== 'refused') return entry.name || t('log.intercom');
  return entry.name || formatE164(entry.number) || t('log.unknownNumber');
}

/** What happened at the door (intercom calls), or who answered an incoming call. `nameFor`
 *  names a phone number from the contacts and presets. */
function whoTookIt(entry, nameFor) {
  switch (entry.door) {
    case 'answered': {
      const phone = entry.answeredNumber && (nameFor(entry.answeredNumber) || formatE164(entry.answeredNumber));
      const who = entry.answeredBy || phone;
      return who ? t('log.doorAnsweredBy', { user: who }) : t('log.doorAnswered');
    }
    case 'grant': return t('log.doorGrant');
    case 'code': return t('log.doorCode');
    case 'refused': return t('log.doorRefused');
    default:
      return entry.answeredBy && entry.direction === 'incoming' ? t('log.answeredBy', { user: entry.answeredBy }) : '';
  }
}

export function otherParty(data) {
  const from = String(data.from || '');
  const to = String(data.to || '');
  if (data.fromUser) return { direction: 'outgoing', number: to };
  if (data.toUser) return { direction: 'incoming', number: from };
  if (String(data.direction || '').startsWith('inbound')) return { direction: 'incoming', number: from };
  return { direction: 'outgoing', number: to };
}
