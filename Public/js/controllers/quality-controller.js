// One plain-language call-quality indicator: the most urgent of the Voice SDK's
// warnings on the current call, gone when the SDK clears them or the call ends.

import { byId } from '../element.js';
import { t } from '../i18n.js';
import { worstWarning } from '../quality-warnings.js';

export class QualityController {
  constructor(app, calls) {
    this.app = app;
    this.node = byId('call-quality');
    this.call = null;
    this.active = new Set();
    calls.on('change', (current) => this.follow(current ? current.call : null));
  }

  follow(call) {
    if (call === this.call) return;
    this.call = call;
    this.active.clear();
    this.render();
    if (!call) return;
    const mine = () => this.call === call;
    call.on('warning', (name) => { if (mine()) { this.active.add(String(name)); this.render(); } });
    call.on('warning-cleared', (name) => { if (mine()) { this.active.delete(String(name)); this.render(); } });
    call.on('reconnecting', () => { if (mine()) { this.active.add('reconnecting'); this.render(); } });
    call.on('reconnected', () => { if (mine()) { this.active.delete('reconnecting'); this.render(); } });
  }

  render() {
    const key = worstWarning(this.active);
    const text = key ? t(key) : '';
    if (text === this.node.textContent && this.node.hidden === !text) return;
    this.node.hidden = !text;
    this.node.textContent = text;
    this.node.dataset.warnings = [...this.active].join(' ');
  }
}
