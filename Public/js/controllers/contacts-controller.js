// The contacts panel: loads GET `api/contacts`, searches, adds, edits and
// deletes through the API, imports a vCard or CSV file (every bad row is
// listed, nothing is kept), links the vCard export, and names numbers for
// every other view (recent and incoming calls). Presets stay in their panel.

import { getJson, postJson, putJson, deleteJson, postFile, worthRetrying } from '../api.js';
import { byId } from '../element.js';
import { ContactsList } from '../contacts-list.js';
import { ContactForm } from '../contact-form.js';
import { t } from '../i18n.js';

export class ContactsController {
  constructor(app, calls) {
    this.app = app;
    this.listName = 'resync.contacts';
    this.status = byId('contacts-status');
    this.problems = byId('contacts-problems');
    this.list = new ContactsList({
      list: byId('contacts-list'),
      empty: byId('contacts-empty'),
      onDial: (number) => calls.callBack(number),
      onEdit: (contact) => this.form.open(contact),
      onDelete: (contact) => this.remove(contact),
    });
    this.form = new ContactForm({
      form: byId('contact-form'),
      heading: byId('contact-form-title'),
      name: byId('contact-name'),
      numbers: byId('contact-numbers'),
      note: byId('contact-note'),
      shared: byId('contact-shared'),
      myNumbers: app.me.numbers || [],
    });
    app.names.add(this.list);
    // Someone on a shared number changed a contact: load the list again.
    app.socket.on('contacts.changed', () => this.start());
    byId('contacts-search').addEventListener('input', (event) => this.list.filter(event.target.value));
    byId('contacts-add').addEventListener('click', () => this.form.open());
    byId('contact-cancel').addEventListener('click', () => this.form.close());
    byId('contact-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
    byId('contacts-file').addEventListener('change', (event) => {
      const file = event.target.files[0];
      event.target.value = '';
      if (file) this.importFile(file);
    });
  }

  /** Resolves true once the contacts are shown, false when they could not be but may be later. */
  start() {
    return getJson('api/contacts')
      .then((answer) => {
        this.list.show(answer);
        this.app.names.changed();
        return true;
      })
      .catch((error) => {
        this.list.failed(error.message);
        return !worthRetrying(error);
      });
  }

  resync() {
    return this.start();
  }

  say(text, problems = []) {
    this.status.textContent = text;
    this.problems.replaceChildren(...problems.map((row) => {
      const item = document.createElement('li');
      item.textContent = t('contacts.badRow', { line: row.line, reason: row.reason });
      return item;
    }));
    this.problems.hidden = problems.length === 0;
  }

  async save() {
    const body = this.form.body();
    try {
      const saved = this.form.id ? await putJson(`api/contacts/${this.form.id}`, body) : await postJson('api/contacts', body);
      this.say(t('contacts.saved', { name: body.name }));
      this.form.close({ returnFocus: false });
      await this.start();
      // The keyboard goes on from the saved contact's row (the list was drawn anew).
      const edit = saved && saved.id !== undefined
        ? byId('contacts-list').querySelector(`li[data-id="${Number(saved.id)}"] .contact-edit`) : null;
      (edit || byId('contacts-add')).focus();
    } catch (error) {
      this.say(t('contacts.saveFailed', { reason: error.message }));
    }
  }

  async remove(contact) {
    if (!window.confirm(t('contacts.confirmDelete', { name: contact.name }))) return;
    try {
      await deleteJson(`api/contacts/${contact.id}`);
      this.say(t('contacts.deleted', { name: contact.name }));
      await this.start();
      byId('contacts-add').focus();  // its row, and the button pressed, are gone
    } catch (error) {
      this.say(t('contacts.saveFailed', { reason: error.message }));
    }
  }

  async importFile(file) {
    this.say(t('contacts.importing', { file: file.name }));
    try {
      const answer = await postFile('api/contacts/import', file);
      this.say(t('contacts.imported', { count: answer.imported, file: file.name }));
      await this.start();
    } catch (error) {
      const rows = error.data && Array.isArray(error.data.rows) ? error.data.rows : [];
      this.say(t('contacts.importFailed', { file: file.name, reason: error.data ? error.data.error : error.message }), rows);
    }
  }
}
