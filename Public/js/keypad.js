// The on-screen keypad: 0-9, * and #. A long press on 0 types "+", as on
// a mobile phone. Each press goes to one callback; the page decides whether
// it is a digit of the number or a DTMF tone of the current call.

const LONG_PRESS_MS = 550;

export const KEYPAD_KEYS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#']);

export class Keypad {
  constructor(container, onKey) {
    this.onKey = onKey;
    this.container = container;
    for (const button of container.querySelectorAll('button[data-key]')) {
      this.wire(button);
    }
  }

  wire(button) {
    const key = button.dataset.key;
    let timer = null;
    let longPressed = false;
    if (key === '0') {
      button.addEventListener('pointerdown', () => {
        longPressed = false;
        timer = setTimeout(() => {
          longPressed = true;
          this.onKey('+');
        }, LONG_PRESS_MS);
      });
      const cancel = () => clearTimeout(timer);
      button.addEventListener('pointerup', cancel);
      button.addEventListener('pointerleave', cancel);
      button.addEventListener('pointercancel', cancel);
    }
    button.addEventListener('click', () => {
      if (longPressed) {
        longPressed = false;
        return;
      }
      this.onKey(key);
    });
  }

  /** Shows a key as pressed for a moment (for keys typed on the keyboard). */
  flash(key) {
    const button = this.container.querySelector(`button[data-key="${CSS.escape(key)}"]`);
    if (!button) return;
    button.classList.add('pressed');
    setTimeout(() => button.classList.remove('pressed'), 150);
  }
}
