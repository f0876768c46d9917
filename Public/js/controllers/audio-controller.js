// The audio settings: microphone, speaker and ringing device through the
// Voice SDK's `device.audio`, a live input level meter, a speaker test, the
// choice remembered per browser, and a fallback (said aloud) when a chosen
// device is unplugged.

import { byId, el } from '../element.js';
import { t } from '../i18n.js';
import { loadAudioPreferences, saveAudioPreference } from '../audio-preferences.js';

export class AudioController {
  constructor(app, calls) {
    this.app = app;
    this.calls = calls;
    this.audio = null;
    this.restored = false;
    this.call = null;
    this.nodes = {
      input: byId('audio-input'),
      speaker: byId('audio-speaker'),
      ringtone: byId('audio-ringtone'),
      outputs: byId('audio-outputs'),
      meter: byId('mic-level'),
      test: byId('audio-test'),
      note: byId('audio-note'),
    };
    this.setEnabled(false);
    this.nodes.input.addEventListener('change', () => this.choose('input', this.nodes.input.value));
    this.nodes.speaker.addEventListener('change', () => this.choose('speaker', this.nodes.speaker.value));
    this.nodes.ringtone.addEventListener('change', () => this.choose('ringtone', this.nodes.ringtone.value));
    this.nodes.test.addEventListener('click', () => this.testSpeaker());
    calls.on('device', (device) => this.attach(device.audio));
    calls.on('change', (current) => this.followCall(current));
  }

  setEnabled(enabled) {
    for (const name of ['input', 'speaker', 'ringtone', 'test']) this.nodes[name].disabled = !enabled;
  }

  attach(audio) {
    if (!audio) return;
    this.audio = audio;
    audio.on('deviceChange', (lost) => this.onDeviceChange(lost || []));
    audio.on('inputVolume', (volume) => this.showLevel(volume));
    this.nodes.outputs.hidden = audio.isOutputSelectionSupported === false;
    this.setEnabled(true);
    this.render();
    this.restoreOnce();
  }

  /** The SDK lists devices a moment after it starts: restore the choices once they are there. */
  restoreOnce() {
    const audio = this.audio;
    if (this.restored || (!audio.availableInputDevices.size && !audio.availableOutputDevices.size)) return;
    this.restored = true;
    this.restore();
  }

  /** Applies the devices this browser chose before, where they are still plugged in. */
  async restore() {
    const saved = loadAudioPreferences();
    const audio = this.audio;
    try {
      if (saved.input && audio.availableInputDevices.has(saved.input)) await audio.setInputDevice(saved.input);
      if (audio.isOutputSelectionSupported !== false) {
        if (saved.speaker && audio.availableOutputDevices.has(saved.speaker)) await audio.speakerDevices.set(saved.speaker);
        if (saved.ringtone && audio.availableOutputDevices.has(saved.ringtone)) await audio.ringtoneDevices.set(saved.ringtone);
      }
    } catch (error) {
      this.say(t('audio.failed', { reason: error.message }));
    }
    this.render();
  }

  async choose(kind, deviceId) {
    const audio = this.audio;
    if (!audio || !deviceId) return;
    try {
      if (kind === 'input') await audio.setInputDevice(deviceId);
      else if (kind === 'speaker') await audio.speakerDevices.set(deviceId);
      else await audio.ringtoneDevices.set(deviceId);
      saveAudioPreference(kind, deviceId);
      this.say('');
    } catch (error) {
      this.say(t('audio.failed', { reason: error.message }));
    }
    this.render();
  }

  async testSpeaker() {
    if (!this.audio) return;
    try {
      this.say(t('audio.testing', { device: this.labelOf(this.speakerId(), this.audio.availableOutputDevices) }));
      await this.audio.speakerDevices.test();
    } catch (error) {
      this.say(t('audio.failed', { reason: error.message }));
    }
  }

  /** Devices came or went; a lost device we were using falls back to the default. */
  async onDeviceChange(lost) {
    this.restoreOnce();
    for (const device of lost) {
      const label = device.label || t('audio.unnamed');
      if (device.kind === 'audioinput') {
        try {
          await this.audio.setInputDevice('default');
        } catch (error) {
          await this.audio.unsetInputDevice?.();
        }
        this.say(t('audio.inputLost', { device: label }), true);
      } else if (device.kind === 'audiooutput') {
        // The SDK itself moves lost outputs back to the default.
        this.say(t('audio.outputLost', { device: label }), true);
      }
    }
    this.render();
  }

  speakerId() {
    const [first] = this.audio ? [...this.audio.speakerDevices.get()] : [];
    return first ? first.deviceId : 'default';
  }

  render() {
    const audio = this.audio;
    if (!audio) return;
    const ringtone = [...audio.ringtoneDevices.get()][0];
    fill(this.nodes.input, audio.availableInputDevices, audio.inputDevice ? audio.inputDevice.deviceId : '',
      t('audio.chooseInput'));
    fill(this.nodes.speaker, audio.availableOutputDevices, this.speakerId());
    fill(this.nodes.ringtone, audio.availableOutputDevices, ringtone ? ringtone.deviceId : 'default');
  }

  labelOf(deviceId, devices) {
    const device = devices.get(deviceId);
    return (device && device.label) || t('audio.unnamed');
  }

  /** During a call the meter follows the call's own input volume. */
  followCall(current) {
    const call = current ? current.call : null;
    if (call === this.call) return;
    this.call = call;
    if (call) call.on('volume', (input) => { if (this.call === call) this.showLevel(input); });
    else this.showLevel(0);
  }

  showLevel(volume) {
    const level = Math.max(0, Math.min(1, Number(volume) || 0));
    this.nodes.meter.value = level;
    this.nodes.meter.textContent = `${Math.round(level * 100)} %`;
  }

  say(text, loud = false) {
    this.nodes.note.textContent = text;
    if (loud && text) this.app.announce(text);
  }
}

/** Options for every device in `devices` (a Map id -> MediaDeviceInfo), `selected` chosen. */
function fill(select, devices, selected, placeholder = '') {
  const options = [];
  if (placeholder && !selected) options.push(el('option', { value: '' }, placeholder));
  let index = 0;
  for (const [id, device] of devices) {
    index += 1;
    options.push(el('option', { value: id }, device.label || t('audio.numbered', { n: index })));
  }
  select.replaceChildren(...options);
  select.value = selected && devices.has(selected) ? selected : (options[0] ? options[0].value : '');
}
