// Twilio Voice SDK errors in words a caller understands, with the SDK's own
// code and message kept at the end for whoever reads a support ticket.

import { t } from './i18n.js';

// Error codes: https://www.twilio.com/docs/api/errors (31xxx: Voice SDK, 20xxx: tokens, 53xxx: signalling).
const WORDS = new Map([
  [31208, 'error.micDenied'],
  [31401, 'error.micDenied'],
  [31201, 'error.micMissing'],
  [31402, 'error.micMissing'],
  [31005, 'error.connection'],
  [31009, 'error.connection'],
  [53000, 'error.connection'],
  [53001, 'error.connection'],
  [31003, 'error.media'],
  [53405, 'error.media'],
  [31000, 'error.general'],
  [31002, 'error.declined'],
  [31486, 'error.busy'],
  [31404, 'error.notFound'],
  [31480, 'error.unavailable'],
  [31603, 'error.declined'],
  [20101, 'error.token'],
  [20104, 'error.tokenExpired'],
  [31204, 'error.token'],
  [31205, 'error.tokenExpired'],
]);

/** "The microphone is blocked… (31208 User denied access to microphone)" */
export function describeError(error) {
  if (!error) return t('error.unknown');
  const code = Number(error.code) || 0;
  const original = `${code ? `${code} ` : ''}${error.message || error.name || String(error)}`;
  const key = WORDS.get(code);
  return key ? `${t(key)} (${original})` : original;
}
