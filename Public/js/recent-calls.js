// "Recent calls": the server's call history for this user (GET api/calls), newest first,
// paged with "Older calls", searchable, with the missed-call count on a button and in the
// tab title. Rows live in the CallLog, which the live events keep up to date; the server's
// `call.updated` record is the final word on each call.

import { getJson, postJson, worthRetrying } from './api.js';
import { byId } from './element.js';
import { t } from './i18n.js';

const PAGE = 20;
const SEARCH_DELAY_MS = 250;

export class RecentCalls {
  /** `log`: the CallLog; `problem(message)`: shows a load failure. */
  constructor({ log, problem }) {
    this.log = log;
    this.problem = problem;
    this.search = byId('log-search');
    this.more = byId('log-more');
    this.missedButton = byId('log-missed');
    this.next = null;
    this.query = '';
    this.missedOnly = false;
    this.unseenMissed = 0;
    // The calls this page knows were missed: a call's updates count it once, when it becomes missed.
    this.missedSids = new Set();
    this.generation = 0;
    // `call.updated` records that came while a first page was on its way: that page may have
    // been read before they were committed, so they are applied again once it is shown.
    this.updatesDuringReload = null;
    this.baseTitle = document.title;
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.reload(), SEARCH_DELAY_MS);
    });
    this.more.addEventListener('click', () => this.load());
    this.missedButton.addEventListener('click', () => this.toggleMissed());
  }

  /** The first page (again): after start-up, a reconnect, a new search. The rows shown stay
   *  until the new page arrives. `quiet`: a failure is the caller's to show (a resync). */
  reload({ quiet = false } = {}) {
    this.query = this.search.value.trim();
    this.next = null;
    return this.load({ replace: true, quiet });
  }

  /** The next page, or the first instead of the rows shown (`replace`). Resolves true once
   *  shown (or overtaken by a newer load), false when it could not be loaded but may be later. */
  async load({ replace = false, quiet = false } = {}) {
    const generation = ++this.generation;
    if (replace) {
      this.updatesDuringReload = [];
      this.reloadGeneration = generation;
    }
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (this.next) params.set('before', this.next);
    if (this.query) params.set('q', this.query);
    if (this.missedOnly) params.set('missed', '1');
    let page;
    try {
      page = await getJson(`api/calls?${params}`);
    } catch (error) {
      this.endUpdatesDuringReload(generation);
      if (!quiet || !worthRetrying(error)) this.problem(t('log.loadFailed', { reason: error.message }));
      return !worthRetrying(error);
    }
    if (generation !== this.generation) {  // a newer search started meanwhile
      this.endUpdatesDuringReload(generation);
      return true;
    }
    if (replace) {
      this.log.clear();
      this.missedSids.clear();
    }
    for (const call of page.calls || []) {
      this.log.applyRecord(call, { older: true });
      if (call.missed) this.missedSids.add(call.callSid);
    }
    this.next = page.next || null;
    this.more.hidden = !this.next;
    this.setUnseenMissed(page.unseenMissed || 0);
    if (replace) {
      // A call the page does not know yet is newer than the page: it goes back on top (and
      // counts as unseen if missed). One the page has is shown as the page has it; its next
      // update corrects it if the page's was older.
      const onPage = new Set((page.calls || []).map((call) => call.callSid));
      const newer = this.updatesDuringReload.filter((call) => !onPage.has(call.callSid));
      this.endUpdatesDuringReload(generation);
      for (const call of newer) this.applyUpdate(call);
    }
    return true;
  }

  /** Stops keeping updates for the first page `generation` asked for, unless a newer one did. */
  endUpdatesDuringReload(generation) {
    if (this.reloadGeneration === generation) this.updatesDuringReload = null;
  }

  /** A `call.updated` event: one call's record as the server has it now. */
  applyUpdate(call) {
    this.updatesDuringReload?.push(call);
    // A call that rang while the page was open is missed only at its last update: count it then.
    if (call.missed && !this.missedSids.has(call.callSid)) {
      this.missedSids.add(call.callSid);
      this.setUnseenMissed(this.unseenMissed + 1);
    }
    const known = this.log.hasCall(call.callSid);
    // Not part of the filtered list (a search; the missed filter shows a newly missed call).
    if (!known && (this.query || (this.missedOnly && !call.missed))) return;
    this.log.applyRecord(call, { older: false });
  }

  async toggleMissed() {
    this.missedOnly = !this.missedOnly;
    this.missedButton.setAttribute('aria-pressed', String(this.missedOnly));
    if (this.missedOnly && this.unseenMissed > 0) {
      try {
        await postJson('api/calls/seen');
        this.setUnseenMissed(0);
      } catch (error) {
        this.problem(t('log.loadFailed', { reason: error.message }));
      }
    }
    await this.reload();
  }

  setUnseenMissed(count) {
    this.unseenMissed = count;
    this.missedButton.textContent = count > 0 ? t('log.missedCount', { count }) : t('log.missedFilter');
    this.missedButton.dataset.unseen = String(count);
    document.title = count > 0 ? `(${count}) ${this.baseTitle}` : this.baseTitle;
  }
}
