// The polite status line that says which lists may be out of date while their reload is
// retried (`ReloadRetry`), and tells screen readers once they are current again. The
// live region stays in the page; only its text changes, so every change is spoken.

import { el } from './element.js';
import { t } from './i18n.js';

export class StaleLists {
  /** `node`: an element with role="status" that is never hidden. */
  constructor(node) {
    this.node = node;
    this.stale = new Set();  // catalogue keys of the lists, e.g. 'resync.calls'
  }

  /** `key`: the catalogue key naming the list; `isStale`: whether its last reload failed. */
  set(key, isStale) {
    const was = this.stale.size > 0;
    if (isStale) this.stale.add(key); else this.stale.delete(key);
    if (this.stale.size > 0) {
      const text = t('resync.stale', { lists: [...this.stale].map((name) => t(name)).join(', ') });
      // The same words again would be spoken again at every retry: leave them.
      if (this.node.textContent !== text) this.node.replaceChildren(el('p', { class: 'banner warn' }, text));
    } else if (was) {
      this.node.replaceChildren(el('span', { class: 'visually-hidden' }, t('resync.current')));
    }
  }
}
