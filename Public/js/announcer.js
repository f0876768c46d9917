// The page's one assertive live region: things a screen reader must say now
// (an incoming call, a door that opened).

/** Returns announce(text), speaking `text` through the live region `node`. */
export function announcer(node) {
  return (text) => {
    node.textContent = '';
    // A fresh text node after a tick makes screen readers repeat identical messages.
    setTimeout(() => { node.textContent = text; }, 50);
  };
}
