// The presets panel: loads GET `presets`, fills or dials through the call
// controller, and names numbers for every other view.

import { getJson } from '../api.js';
import { byId } from '../element.js';
import { PresetsList } from '../presets-list.js';

export class PresetsController {
  constructor(app, calls) {
    this.app = app;
    this.list = new PresetsList({
      list: byId('presets-list'),
      empty: byId('presets-empty'),
      onFill: (preset) => {
        calls.fill(preset.number, preset.country);
        byId('number').focus();
      },
      onDial: (preset) => {
        if (calls.phone.current) return;
        calls.fill(preset.number, preset.country);
        calls.dial(preset.number);
      },
    });
    app.names.add(this.list);
  }

  start() {
    getJson('presets')
      .then((answer) => {
        this.list.show(answer);
        this.app.names.changed();
      })
      .catch((error) => this.list.failed(error.message));
  }
}
