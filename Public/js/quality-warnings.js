// The Voice SDK's call-quality warnings, reduced to the one a caller should
// read first. Names: https://www.twilio.com/docs/voice/sdks/javascript/twiliocall#warning-event

// Most urgent first; each name maps to a catalogue key.
const WARNINGS = [
  ['reconnecting', 'quality.reconnecting'],
  ['ice-connectivity-lost', 'quality.reconnecting'],
  ['constant-audio-input-level', 'quality.silentMic'],
  ['low-bytes-sent', 'quality.notSending'],
  ['low-bytes-received', 'quality.notReceiving'],
  ['constant-audio-output-level', 'quality.notReceiving'],
  ['high-packet-loss', 'quality.packetLoss'],
  ['high-packets-lost-fraction', 'quality.packetLoss'],
  ['high-jitter', 'quality.jitter'],
  ['high-rtt', 'quality.rtt'],
  ['low-mos', 'quality.lowMos'],
];

/** The catalogue key for the most urgent of the `active` warning names, or '' when none is known. */
export function worstWarning(active) {
  for (const [name, key] of WARNINGS) if (active.has(name)) return key;
  return active.size ? 'quality.unknown' : '';
}
