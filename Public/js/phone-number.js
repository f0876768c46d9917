// Phone numbers as the user types them: detect the country, group the digits
// for display, and convert to E.164 with a validation verdict.
// Pure functions (no DOM), so the rules can be checked in isolation.

import { COUNTRIES, ALL_CALLING_CODES } from './calling-codes.js';
import { t, countryName } from './i18n.js';

const BY_ISO = new Map(COUNTRIES.map((country) => [country.iso, country]));

/** E.164 bounds on the digits of a full number, country code included. */
export const E164_MIN_DIGITS = 8;
export const E164_MAX_DIGITS = 15;

export function countryByIso(iso) {
  return BY_ISO.get(String(iso || '').toUpperCase()) || null;
}

/** The calling code at the start of `digits` (country codes are prefix-free). */
export function callingCodeOf(digits) {
  for (let len = 1; len <= 3 && len <= digits.length; len += 1) {
    const code = digits.slice(0, len);
    if (ALL_CALLING_CODES.has(code)) return code;
  }
  return null;
}

/**
 * The listed country for an international number: the preferred country when it
 * shares the calling code (+1 typed while Canada is selected stays Canada),
 * otherwise the first listed country with that code.
 */
export function countryForCode(code, preferredIso) {
  const preferred = countryByIso(preferredIso);
  if (preferred && preferred.cc === code) return preferred;
  return COUNTRIES.find((country) => country.cc === code) || null;
}

/** Digits of a national significant number grouped by the country's rules. */
export function groupNational(nsn, country) {
  if (!nsn) return '';
  let sizes = null;
  if (country) {
    const rule = country.groups.find(([pattern]) => pattern.test(nsn));
    if (rule) sizes = rule[1];
  }
  if (!sizes) sizes = genericGroups(nsn.length);
  const parts = [];
  let at = 0;
  for (let i = 0; i < sizes.length && at < nsn.length; i += 1) {
    const last = i === sizes.length - 1;
    const take = last ? nsn.length - at : sizes[i];
    parts.push(nsn.slice(at, at + take));
    at += take;
  }
  return parts.join(' ');
}

// Threes, with a final four rather than a lonely single digit.
function genericGroups(length) {
  const sizes = [];
  let left = length;
  while (left > 4) {
    sizes.push(3);
    left -= 3;
  }
  sizes.push(Math.max(left, 1));
  return sizes;
}

/** "+447700900123" -> "+44 7700 900123" (unknown shapes keep their digits). */
export function formatE164(e164) {
  const digits = String(e164 || '').replace(/\D/g, '');
  const code = callingCodeOf(digits);
  if (!code) return String(e164 || '');
  const country = countryForCode(code, null);
  const nsn = digits.slice(code.length);
  return nsn ? `+${code} ${groupNational(nsn, country)}` : `+${code}`;
}

/**
 * Reads what the user typed in the number field.
 *
 * Returns {state, e164, country, display, message}:
 *  state    "empty" | "incomplete" (too short so far) | "invalid" | "valid"
 *  e164     "+<digits>" when the digits make a full number candidate, else ""
 *  country  the country the number belongs to (or null)
 *  display  the typed text re-grouped (international or national form, as typed)
 *  message  what is wrong, naming the input and the rule (empty when valid)
 */
export function parseNumber(typed, selectedIso) {
  const raw = String(typed || '').trim();
  // "+44 (0)20 ..." : the bracketed trunk zero is a UK/EU habit, never dialled.
  const cleaned = raw.replace(/\(0\)/g, '');
  const international = /^\s*(\+|00)/.test(cleaned);
  let digits = cleaned.replace(/\D/g, '');
  if (cleaned.trim().startsWith('00')) digits = digits.slice(2);

  if (!digits) {
    return result(international ? 'incomplete' : 'empty', '', null, international ? '+' : '', '');
  }
  if (international) return parseInternational(digits, selectedIso);
  return parseNational(digits, countryByIso(selectedIso));
}

function parseInternational(digits, selectedIso) {
  const code = callingCodeOf(digits);
  if (!code) {
    if (digits.length < 3) return result('incomplete', '', null, `+${digits}`, '');
    return result('invalid', '', null, `+${digits}`,
      t('number.unknownCode', { code: `+${digits.slice(0, 3)}` }));
  }
  const country = countryForCode(code, selectedIso);
  const nsn = digits.slice(code.length);
  const display = nsn ? `+${code} ${groupNational(nsn, country)}` : `+${code}`;
  return judge(code, nsn, country, display);
}

function parseNational(digits, country) {
  if (!country) {
    return result('invalid', '', null, digits,
      t('number.noCountry'));
  }
  let nsn = digits;
  let prefix = '';
  if (country.trunk && digits.startsWith(country.trunk)) {
    prefix = country.trunk;
    nsn = digits.slice(country.trunk.length);
  }
  // "07700 900123" but "1 415 555 1234", "8 912 345 67 89", "06 1 234 5678".
  const glue = prefix === '0' ? '' : ' ';
  const grouped = groupNational(nsn, country);
  const display = prefix ? (grouped ? prefix + glue + grouped : prefix) : grouped;
  return judge(country.cc, nsn, country, display);
}

function judge(code, nsn, country, display) {
  const total = code.length + nsn.length;
  const e164 = nsn ? `+${code}${nsn}` : '';
  const [min, max] = country ? country.nsn : [E164_MIN_DIGITS - code.length, E164_MAX_DIGITS - code.length];
  const low = Math.max(min, E164_MIN_DIGITS - code.length);
  const high = Math.min(max, E164_MAX_DIGITS - code.length);
  const where = country ? `${countryName(country)} (+${code})` : `+${code}`;
  if (country && country.trunk === '0' && nsn.startsWith('0')) {
    return result('invalid', e164, country, display,
      t('number.dropZero', { where }));
  }
  if (nsn.length < low) {
    return result('incomplete', e164, country, display,
      t('number.tooShort', { where, range: range(low, high), count: nsn.length }));
  }
  if (nsn.length > high || total > E164_MAX_DIGITS) {
    return result('invalid', e164, country, display,
      t('number.tooLong', { where, range: range(low, high), count: nsn.length }));
  }
  if (country && country.trunk && country.trunk === '0' && nsn.startsWith('0')) {
    return result('invalid', e164, country, display,
      t('number.zeroAfterCode', { number: formatE164(e164), where }));
  }
  return result('valid', e164, country, display, '');
}

function range(low, high) {
  return low === high ? String(low) : t('number.range', { low, high });
}

function result(state, e164, country, display, message) {
  return { state, e164, country, display, message };
}

/**
 * Where the caret goes after re-grouping: after the same number of significant
 * characters (digits and "+") as before, so typing in the middle feels natural.
 */
export function caretAfterSignificant(text, count) {
  if (count <= 0) return 0;
  let seen = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (/[\d+]/.test(text[i])) {
      seen += 1;
      if (seen === count) return i + 1;
    }
  }
  return text.length;
}

export function significantBefore(text, caret) {
  return (text.slice(0, caret).match(/[\d+]/g) || []).length;
}

/** Same number? Compares E.164 digits, ignoring formatting. */
export function sameNumber(a, b) {
  const da = String(a || '').replace(/[^\d]/g, '');
  const db = String(b || '').replace(/[^\d]/g, '');
  return da.length > 0 && da === db;
}
