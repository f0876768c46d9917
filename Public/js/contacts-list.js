// The address book from GET `api/contacts`: the shown rows follow the search
// text (name or number), each with buttons to call, edit and delete. Also
// answers "who is this number?" for every other view.

import { el, icon } from './element.js';
import { formatE164, sameNumber } from './phone-number.js';
import { t } from './i18n.js';

export class ContactsList {
  constructor({ list, empty, onDial, onEdit, onDelete }) {
    this.list = list;
    this.empty = empty;
    this.onDial = onDial;
    this.onEdit = onEdit;
    this.onDelete = onDelete;
    this.contacts = [];
    this.query = '';
  }

  /** Accepts {contacts:[{id, name, numbers:[{label, number}], note, sharedOn}]}. */
  show(answer) {
    this.contacts = answer && Array.isArray(answer.contacts) ? answer.contacts : [];
    this.render();
  }

  filter(query) {
    this.query = query.trim().toLowerCase();
    this.render();
  }

  failed(message) {
    this.empty.hidden = false;
    this.empty.textContent = t('contacts.failed', { reason: message });
  }

  matches(contact) {
    if (!this.query) return true;
    if (contact.name.toLowerCase().includes(this.query)) return true;
    const digits = this.query.replace(/\D/g, '').replace(/^0+/, '');
    return digits.length > 0 && contact.numbers.some((n) => n.number.includes(digits));
  }

  render() {
    const shown = this.contacts.filter((contact) => this.matches(contact));
    // The rows are drawn anew (a change here or from another session): a focused button of a
    // row keeps the focus in that row's new button, so the keyboard does not fall to the top.
    const focused = this.list.contains(document.activeElement) ? document.activeElement : null;
    const row = focused && focused.closest('li');
    this.list.replaceChildren(...shown.map((contact) => this.row(contact)));
    if (row && focused.classList.length) {
      const again = this.list.querySelector(`li[data-id="${CSS.escape(row.dataset.id)}"] .${CSS.escape(focused.classList[focused.classList.length - 1])}`);
      if (again) again.focus();
    }
    this.empty.hidden = shown.length > 0;
    this.empty.textContent = this.contacts.length ? t('contacts.noMatch') : t('contacts.none');
  }

  row(contact) {
    const first = contact.numbers[0];
    const numbers = contact.numbers
      .map((n) => (n.label ? `${n.label}: ` : '') + formatE164(n.number)).join(', ');
    const where = contact.sharedOn ? t('contacts.sharedOn', { number: formatE164(contact.sharedOn) }) : t('contacts.private');
    return el('li', { dataset: { id: contact.id } },
      el('span', { class: 'contact-entry' },
        icon('person'),
        el('span', { class: 'entry-text' },
          el('span', { class: 'entry-title' }, contact.name),
          el('span', { class: 'entry-sub' }, numbers || t('contacts.noNumber')),
          el('span', { class: 'entry-sub' }, where + (contact.note ? ` · ${contact.note}` : '')))),
      el('button', {
        type: 'button', class: 'btn small contact-edit',
        'aria-label': t('contacts.editOne', { name: contact.name }),
        onclick: () => this.onEdit(contact),
      }, t('contacts.edit')),
      el('button', {
        type: 'button', class: 'btn small contact-delete',
        'aria-label': t('contacts.deleteOne', { name: contact.name }),
        onclick: () => this.onDelete(contact),
      }, t('contacts.delete')),
      first ? el('button', {
        type: 'button', class: 'round-btn contact-dial',
        'aria-label': t('contacts.dial', { name: contact.name }),
        onclick: () => this.onDial(first.number),
      }, icon('phone')) : null);
  }

  nameFor(number) {
    const contact = this.contacts.find((c) => c.numbers.some((n) => sameNumber(n.number, number)));
    return contact ? contact.name : '';
  }
}
