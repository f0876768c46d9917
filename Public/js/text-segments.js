// How many SMS parts a text takes, live while typing: GSM-7 (160 septets alone,
// 153 per part; the extension characters cost two) when every character is in
// the GSM 03.38 alphabet, else UCS-2 (70 UTF-16 units alone, 67 per part). A
// character is never split between parts. The server's TextSegments counts the same way.

const BASIC = new Set(Array.from('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
  + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'));
const EXTENDED = new Set(Array.from('^{}\\[~]|€\f'));

function count(costs, single, part) {
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  if (units === 0) return { units, segments: 0 };
  if (units <= single) return { units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > part) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { units, segments };
}

/** { encoding: 'GSM-7' | 'UCS-2', units, segments } for `text`. */
export function textSegments(text) {
  const scalars = Array.from(text);
  if (scalars.every((c) => BASIC.has(c) || EXTENDED.has(c))) {
    return { encoding: 'GSM-7', ...count(scalars.map((c) => (EXTENDED.has(c) ? 2 : 1)), 160, 153) };
  }
  return { encoding: 'UCS-2', ...count(scalars.map((c) => (c.codePointAt(0) > 0xffff ? 2 : 1)), 70, 67) };
}

/** Twilio's longest body. */
export const MAX_TEXT_CHARACTERS = 1600;
