// "Who is this number?" for every view: sources of names (the presets, and
// whatever else registers one) asked in order, then the name Twilio gave.

import { formatE164 } from './phone-number.js';
import { t } from './i18n.js';

export class CallerNames {
  constructor() {
    this.sources = [];
    this.listeners = [];
  }

  /** `listener()` runs after a source's names changed (contacts or presets loaded again). */
  onChange(listener) {
    this.listeners.push(listener);
  }

  /** A source has new names: every view that shows them puts them on its rows. */
  changed() {
    for (const listener of this.listeners) listener();
  }

  /** `source.nameFor(number)` returns a name or ''; earlier sources win. */
  add(source) {
    this.sources.push(source);
  }

  nameFor(number) {
    for (const source of this.sources) {
      const name = source.nameFor(number);
      if (name) return name;
    }
    return '';
  }

  /** "Name (+44 …)" or the formatted number; `entry.name` is the caller name from `call.incoming`. */
  describe(number, entry = null) {
    const name = this.nameFor(number) || (entry && entry.name) || '';
    const pretty = formatE164(number) || t('names.unknownNumber');
    return name ? `${name} (${pretty})` : pretty;
  }
}
