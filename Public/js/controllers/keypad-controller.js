// The keypad and the digit keys of the keyboard: digits go into the number
// field, or as tones (DTMF) into the call in progress.

import { byId } from '../element.js';
import { Keypad, KEYPAD_KEYS } from '../keypad.js';
import { isTextEntry } from '../text-entry.js';
import { t } from '../i18n.js';

export class KeypadController {
  /** `calls`: the CallController whose phone and field the keys go to. */
  constructor(calls) {
    this.calls = calls;
    this.sent = byId('dtmf-sent');
    this.lastCall = null;
    this.keypad = new Keypad(byId('keypad'), (key) => {
      if (calls.phone.inCall) this.sendTone(key);
      else calls.field.append(key);
    });
    calls.on('change', (current) => {
      // A new call: the tones of the last one are history.
      if (current && current !== this.lastCall) this.showTones('');
      this.lastCall = current;
    });
    document.addEventListener('keydown', (event) => this.onKeyDown(event));
  }

  sendTone(key) {
    if (this.calls.phone.sendDigits(key)) this.showTones((this.sent.dataset.digits || '') + key);
  }

  showTones(digits) {
    this.sent.dataset.digits = digits;
    this.sent.textContent = digits ? t('keypad.tonesSent', { digits }) : '';
  }

  onKeyDown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !KEYPAD_KEYS.has(event.key)) return;
    const target = event.target;
    if (isTextEntry(target)) return;
    if (this.calls.phone.inCall) {
      event.preventDefault();
      this.keypad.flash(event.key);
      this.sendTone(event.key);
    } else if (target === document.body || (target instanceof HTMLElement && target.closest('#keypad'))) {
      event.preventDefault();
      this.keypad.flash(event.key);
      this.calls.field.append(event.key);
    }
  }
}
