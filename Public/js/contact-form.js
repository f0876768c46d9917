// The add/edit form of the contacts panel: fills itself from a contact, and
// gives back the body of POST `api/contacts` / PUT `api/contacts/{id}`.
// Numbers are one per line, a label first if wanted: "cell: 07700 900123".

import { t } from './i18n.js';

export class ContactForm {
  constructor({ form, heading, name, numbers, note, shared, myNumbers }) {
    Object.assign(this, { form, heading, name, numbers, note, shared });
    this.id = null;
    this.opener = null;  // the button that opened the form: focus goes back there on Cancel
    // Esc closes the form, as it would a dialog.
    form.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopPropagation();
      this.close();
    });
    this.shared.replaceChildren(new Option(t('contacts.onlyMe'), ''),
      ...myNumbers.map((number) => new Option(t('contacts.shareOn', { number }), number)));
  }

  open(contact = null) {
    this.opener = document.activeElement instanceof HTMLElement && !this.form.contains(document.activeElement)
      ? document.activeElement : null;
    this.id = contact ? contact.id : null;
    this.heading.textContent = contact ? t('contacts.editTitle', { name: contact.name }) : t('contacts.addTitle');
    this.name.value = contact ? contact.name : '';
    this.numbers.value = contact
      ? contact.numbers.map((n) => (n.label ? `${n.label}: ${n.number}` : n.number)).join('\n') : '';
    this.note.value = contact ? contact.note : '';
    this.shared.value = contact && contact.sharedOn ? contact.sharedOn : '';
    this.form.hidden = false;
    this.name.focus();
  }

  /** Hides the form; `returnFocus`: back to the button that opened it (a keyboard user keeps
   *  their place), else the caller puts the focus where the result is. */
  close({ returnFocus = true } = {}) {
    const opener = this.opener;
    this.form.hidden = true;
    this.id = null;
    this.opener = null;
    if (returnFocus && opener && opener.isConnected) opener.focus();
  }

  body() {
    const numbers = this.numbers.value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
      const colon = line.indexOf(':');
      return colon > 0 ? { label: line.slice(0, colon).trim(), number: line.slice(colon + 1).trim() } : { label: '', number: line };
    });
    return { name: this.name.value.trim(), numbers, note: this.note.value, sharedOn: this.shared.value || null };
  }
}
