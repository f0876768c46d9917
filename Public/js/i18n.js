// Every word the dialer shows comes from one catalogue per language
// (Public/js/i18n/<lang>.js). The language is the first of the browser's
// languages that has a catalogue; English fills any gap.
//
// In HTML: data-i18n="key" sets the text; data-i18n-attr="aria-label:key;title:key2"
// sets attributes. In JS: t('key', {name: 'Ann'}) fills {name} placeholders.

import english from './i18n/en.js';
import { LANGUAGES } from './i18n/languages.js';

let catalogue = english;
let current = 'en';
let regionNames = null;

/** The first language in `wanted` (BCP 47 tags, best first) that has a catalogue, else 'en'. */
export function pickLanguage(wanted, available = LANGUAGES) {
  for (const tag of wanted || []) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (available.includes(primary)) return primary;
  }
  return 'en';
}

/** Loads the browser's language, translates the static page, and sets <html lang>. */
export async function useBrowserLanguage(root = document) {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  const language = pickLanguage(wanted);
  if (language !== 'en') {
    try {
      catalogue = { ...english, ...(await import(`./i18n/${language}.js`)).default };
      current = language;
    } catch (error) {
      catalogue = english; // a missing catalogue costs the translation, not the page
    }
  }
  root.documentElement.lang = current;
  translate(root);
  return current;
}

export function language() {
  return current;
}

/** The locales dates and times are written in: the browser's own variants of the page's
 *  language (en-GB's 14:05, de-AT's Jän.), else the language itself, so a German page never
 *  shows an English "2:05 PM" because the browser's own language is English. */
export function dateLocales() {
  const own = (navigator.languages || [navigator.language])
    .filter((tag) => typeof tag === 'string' && tag.toLowerCase().split('-')[0] === current);
  return own.length ? own : [current];
}

/** A country's name in the page's language (`country`: a row of calling-codes.js). */
export function countryName(country) {
  if (current === 'en' || typeof Intl.DisplayNames !== 'function') return country.name;
  try {
    regionNames = regionNames || new Intl.DisplayNames([current], { type: 'region' });
    return regionNames.of(country.iso) || country.name;
  } catch (error) {
    return country.name;
  }
}

/** The text for `key`, with {placeholders} filled from `params`. An unknown key shows as itself. */
export function t(key, params = {}) {
  const text = key in catalogue ? catalogue[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Applies data-i18n and data-i18n-attr under `root`. */
export function translate(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':').map((part) => part.trim());
      if (attribute && key) node.setAttribute(attribute, t(key));
    }
  }
}
