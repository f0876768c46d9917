// One list's reload after the live connection came back or a `resync` event (the server
// lost its database for a while). A reload that fails (503 while the store is away, no
// network) is tried again with the live socket's backoff (1, 2, 4 … 30 s, jittered) until
// it succeeds or a newer resync takes over; meanwhile the list is marked out of date.

import { backoffDelay } from './live-socket.js';

export class ReloadRetry {
  /**
   * `reload()`: resolves true when done (loaded, or failed in a way another try would not
   * change: `worthRetrying` in api.js), false (or rejects) when it should be tried again.
   * `stale(isStale)`: told after each try whether the list may be out of date.
   * `delay(attempt)` and `timers` (setTimeout/clearTimeout) may be replaced in tests.
   */
  constructor(reload, stale, { delay = backoffDelay, timers = globalThis } = {}) {
    this.reload = reload;
    this.stale = stale;
    this.delay = delay;
    this.timers = timers;
    this.generation = 0;
    this.timer = null;
    /** Tries made by the current resync (for tests and the console). */
    this.tries = 0;
  }

  /** A new resync: reloads now, and stops any retry an earlier resync left waiting. */
  start() {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.tries = 0;
    this.attempt(++this.generation);
  }

  async attempt(generation) {
    this.tries += 1;
    let loaded;
    try {
      loaded = (await this.reload()) === true;
    } catch (error) {
      loaded = false;
    }
    if (generation !== this.generation) return;  // a newer resync took over
    this.stale(!loaded);
    if (loaded) return;
    this.timer = this.timers.setTimeout(() => this.attempt(generation), this.delay(this.tries - 1));
  }
}
