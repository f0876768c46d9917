// The country selector and number input: re-groups digits as the user
// types (keeping the caret in place), follows the country of a +number,
// and says whether the number is a valid E.164 number.

import { COUNTRIES } from './calling-codes.js';
import {
  parseNumber, countryByIso, caretAfterSignificant, significantBefore, formatE164,
} from './phone-number.js';
import { el } from './element.js';
import { t, countryName, language } from './i18n.js';

const STORAGE_KEY = 'shetphone.country';

export class NumberField {
  constructor({ select, input, hint }) {
    this.select = select;
    this.input = input;
    this.hint = hint;
    this.touched = false;   // show "too short" only after blur or a call attempt
    this.allowed = null;    // ISO codes calls may go to (the server's allowed_countries); null: any
    this.fillCountries();
    input.addEventListener('input', () => this.onInput());
    input.addEventListener('blur', () => {
      if (this.input.value.trim()) this.touched = true;
      this.render();
    });
    select.addEventListener('change', () => {
      try { localStorage.setItem(STORAGE_KEY, select.value); } catch { /* private mode */ }
      // The user just chose: do not flip back to the country of a +number in the field.
      this.reformat({ followCountry: false });
    });
  }

  fillCountries() {
    const sorted = [...COUNTRIES].sort((a, b) => countryName(a).localeCompare(countryName(b), language()));
    for (const country of sorted) {
      this.select.append(el('option', { value: country.iso }, `${countryName(country)} (+${country.cc})`));
    }
  }

  /** Picks the starting country: remembered choice, else the user's own number, else the browser's locale. */
  chooseDefaultCountry(ownNumbers = []) {
    let iso = '';
    try { iso = localStorage.getItem(STORAGE_KEY) || ''; } catch { /* private mode */ }
    if (!countryByIso(iso)) {
      const own = ownNumbers.map((n) => parseNumber(n, 'GB')).find((p) => p.country);
      iso = own ? own.country.iso : '';
    }
    if (!countryByIso(iso)) {
      const region = (navigator.language || '').split('-')[1] || '';
      iso = countryByIso(region) ? region.toUpperCase() : 'GB';
    }
    this.select.value = iso;
    this.reformat();
  }

  /** The countries the server lets calls go to (`me.allowedCountries`); others are refused here. */
  setAllowedCountries(isoCodes) {
    this.allowed = Array.isArray(isoCodes) ? new Set(isoCodes.map(String)) : null;
    this.render();
  }

  /** Why a call to `e164` would be refused (its country is not allowed), or ''. */
  refusal(e164) {
    if (!this.allowed) return '';
    const parsed = parseNumber(e164, null);
    if (parsed.state !== 'valid') return '';
    if (parsed.country && this.allowed.has(parsed.country.iso)) return '';
    const country = parsed.country ? countryName(parsed.country) : t('number.unknownCountry');
    return t('number.notAllowed', { number: formatE164(e164), country });
  }

  get country() {
    return this.select.value;
  }

  parsed() {
    return parseNumber(this.input.value, this.select.value);
  }

  onInput() {
    const value = this.input.value;
    const caret = this.input.selectionStart ?? value.length;
    const atEnd = caret >= value.length;
    const keep = significantBefore(value, caret);
    const parsed = this.reformat();
    if (document.activeElement === this.input && !atEnd) {
      const at = caretAfterSignificant(parsed.display, keep);
      this.input.setSelectionRange(at, at);
    }
  }

  /** Re-groups the current text and updates the hint; returns the parse. */
  reformat({ followCountry = true } = {}) {
    const parsed = this.parsed();
    if (parsed.display !== this.input.value) {
      this.input.value = parsed.display;
    }
    // Typing "+1..." with Canada selected keeps Canada; "+44" switches to the UK.
    if (followCountry && parsed.country && /^\s*(\+|00)/.test(this.input.value)
        && parsed.country.iso !== this.select.value) {
      this.select.value = parsed.country.iso;
    }
    this.render(parsed);
    return parsed;
  }

  render(parsed = this.parsed()) {
    const refused = parsed.state === 'valid' ? this.refusal(parsed.e164) : '';
    const showProblem = Boolean(refused) || parsed.state === 'invalid' || (parsed.state === 'incomplete' && this.touched);
    this.input.setAttribute('aria-invalid', showProblem ? 'true' : 'false');
    this.hint.classList.toggle('invalid', showProblem);
    this.hint.classList.toggle('valid', parsed.state === 'valid' && !refused);
    if (refused) {
      this.hint.textContent = refused;
    } else if (parsed.state === 'valid') {
      this.hint.textContent = `✓ ${formatE164(parsed.e164)} · ${parsed.country ? countryName(parsed.country) : t('number.valid')}`;
    } else if (showProblem) {
      this.hint.textContent = parsed.message || t('number.notANumber');
    } else if (parsed.state === 'incomplete' && parsed.e164) {
      this.hint.textContent = `${formatE164(parsed.e164)}…`;
    } else {
      this.hint.textContent = '';
    }
    this.hint.dataset.state = parsed.state;
  }

  /** The E.164 number to call, or null after showing why not. */
  validForCall() {
    this.touched = true;
    const parsed = this.reformat();
    if (parsed.state === 'valid') return this.refusal(parsed.e164) ? null : parsed.e164;
    if (parsed.state === 'empty') {
      this.hint.textContent = t('number.empty');
      this.hint.classList.add('invalid');
      this.input.setAttribute('aria-invalid', 'true');
    }
    return null;
  }

  /** Puts a known number in the field, in international form. */
  fill(number, iso) {
    if (iso && countryByIso(iso)) this.select.value = countryByIso(iso).iso;
    this.input.value = number;
    this.touched = true;
    this.reformat();
  }

  append(text) {
    if (this.input.readOnly) return;
    const { selectionStart: start, selectionEnd: end, value } = this.input;
    const focused = document.activeElement === this.input;
    const from = focused && start !== null ? start : value.length;
    const to = focused && end !== null ? end : value.length;
    const keep = significantBefore(value, from) + text.length;
    this.input.value = value.slice(0, from) + text + value.slice(to);
    const parsed = this.reformat();
    if (focused) {
      const at = caretAfterSignificant(parsed.display, keep);
      this.input.setSelectionRange(at, at);
    }
  }

  backspace() {
    if (this.input.readOnly) return;
    const value = this.input.value;
    const significant = (value.match(/[\d+]/g) || []);
    significant.pop();
    this.input.value = significant.join('');
    this.reformat();
  }

  clear() {
    this.input.value = '';
    this.touched = false;
    this.reformat();
  }

  setLocked(locked) {
    this.input.readOnly = locked;
    this.select.disabled = locked;
  }
}
