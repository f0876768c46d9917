// Page-wide keys: Escape clears the number (or rejects a ringing call), Enter
// calls, A answers, H hangs up, M mutes, ? lists them. Keys typed into a text
// field stay there (Escape in the number field clears it, as it should).

import { byId } from '../element.js';
import { isTextEntry } from '../text-entry.js';

export class ShortcutsController {
  constructor(app, calls) {
    this.calls = calls;
    this.dialog = byId('shortcuts');
    byId('shortcuts-open').addEventListener('click', () => this.show());
    byId('shortcuts-close').addEventListener('click', () => this.dialog.close());
    document.addEventListener('keydown', (event) => this.onKeyDown(event));
  }

  show() {
    if (!this.dialog.open) this.dialog.showModal();
  }

  onKeyDown(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (this.dialog.open) return; // the dialog handles its own Escape
    const { phone, field } = this.calls;
    const current = phone.current;
    const ringing = Boolean(current && current.phase === 'incoming');
    const target = event.target;
    const inNumber = target instanceof HTMLElement && target.id === 'number';
    const typing = isTextEntry(target);

    if (event.key === 'Escape') {
      if (ringing) phone.reject();
      else if (!current && (!typing || inNumber)) field.clear();
      else return;
      event.preventDefault();
      return;
    }
    if (typing) return;
    // Enter on a button, link or summary belongs to it.
    if (event.key === 'Enter' && target instanceof HTMLElement && target !== document.body
        && target.closest('button, a, summary, [role="button"]')) return;
    const action = {
      Enter: () => (ringing ? phone.answer() : !current && this.calls.dial()),
      a: () => ringing && phone.answer(),
      h: () => current && (ringing ? phone.reject() : phone.hangUp()),
      m: () => phone.toggleMute(),
      '?': () => this.show(),
    }[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
}
