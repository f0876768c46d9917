// The presets from GET `presets`: a click on the name fills the number
// field, the round button dials at once. Also answers "who is this number?".

import { el, icon } from './element.js';
import { formatE164, sameNumber } from './phone-number.js';
import { t } from './i18n.js';

export class PresetsList {
  constructor({ list, empty, onFill, onDial }) {
    this.list = list;
    this.empty = empty;
    this.onFill = onFill;
    this.onDial = onDial;
    this.presets = [];
  }

  /** Accepts {presets:[{name, number, country}]}; skips rows without a number. */
  show(answer) {
    const rows = answer && Array.isArray(answer.presets) ? answer.presets : [];
    this.presets = rows
      .filter((preset) => preset && typeof preset.number === 'string' && preset.number)
      .map((preset) => ({
        name: String(preset.name || preset.number),
        number: preset.number,
        country: String(preset.country || ''),
      }));
    this.list.replaceChildren(...this.presets.map((preset) => this.row(preset)));
    this.empty.hidden = this.presets.length > 0;
    this.empty.textContent = t('presets.none');
  }

  failed(message) {
    this.empty.hidden = false;
    this.empty.textContent = t('presets.failed', { reason: message });
  }

  row(preset) {
    const pretty = formatE164(preset.number);
    return el('li', { dataset: { number: preset.number } },
      el('button', {
        type: 'button',
        class: 'preset-fill',
        'aria-label': t('presets.fill', { name: preset.name, number: pretty }),
        onclick: () => this.onFill(preset),
      },
      icon('person'),
      el('span', { class: 'entry-text' },
        el('span', { class: 'entry-title' }, preset.name),
        el('span', { class: 'entry-sub' }, pretty))),
      el('button', {
        type: 'button',
        class: 'round-btn preset-dial',
        'aria-label': t('presets.dial', { name: preset.name }),
        onclick: () => this.onDial(preset),
      }, icon('phone')));
  }

  nameFor(number) {
    const preset = this.presets.find((p) => sameNumber(p.number, number));
    return preset ? preset.name : '';
  }
}
