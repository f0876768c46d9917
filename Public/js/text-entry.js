// Whether a key press belongs to a text field: page-wide keys never steal
// keys from where the user is typing.

/** True when `target` takes typed text (inputs, selects, text areas, contenteditable). */
export function isTextEntry(target) {
  return target instanceof HTMLElement && (target.isContentEditable
    || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA'
    || (target.tagName === 'INPUT' && !target.readOnly
      && !['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'file'].includes(target.type)));
}
