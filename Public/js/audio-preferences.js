// The audio devices chosen in this browser, kept in localStorage (device IDs
// are per browser and per site, so nothing of this goes to the server).

const KEY = 'shetphone.audio';
const KINDS = ['input', 'speaker', 'ringtone'];

/** {input, speaker, ringtone}: device IDs, '' when never chosen. */
export function loadAudioPreferences(storage = window.localStorage) {
  let saved = {};
  try {
    saved = JSON.parse(storage.getItem(KEY) || '{}') || {};
  } catch (error) {
    saved = {}; // a damaged entry means "never chosen"
  }
  return Object.fromEntries(KINDS.map((kind) => [kind, typeof saved[kind] === 'string' ? saved[kind] : '']));
}

export function saveAudioPreference(kind, deviceId, storage = window.localStorage) {
  if (!KINDS.includes(kind)) throw new Error(`unknown audio kind "${kind}"`);
  const next = { ...loadAudioPreferences(storage), [kind]: deviceId };
  try {
    storage.setItem(KEY, JSON.stringify(next));
  } catch (error) {
    // Storage full or disabled: the choice holds for this page only.
  }
}
