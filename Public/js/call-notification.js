// Desktop notification for an incoming call (Notification API). Clicking it
// brings this tab to the front and answers, like the original Shetphone.

import { t } from './i18n.js';

export function notificationsSupported() {
  return typeof window.Notification === 'function';
}

export function permission() {
  return notificationsSupported() ? window.Notification.permission : 'unsupported';
}

/** Must run from a click: browsers ignore permission requests without one. */
export async function askPermission() {
  if (!notificationsSupported()) return 'unsupported';
  try {
    return await window.Notification.requestPermission();
  } catch {
    return window.Notification.permission;
  }
}

/**
 * Shows "Incoming call" (or `title`) and returns a function that closes it (call answered,
 * rejected or gone), or null when notifications are off.
 */
export function notifyIncomingCall({ title = '', caller, number, tag, onAnswer }) {
  if (permission() !== 'granted') return null;
  let note;
  try {
    note = new window.Notification(title || t('notify.title'), {
      body: caller && number && caller !== number ? `${caller} (${number})` : (caller || number || t('notify.unknownCaller')),
      tag: tag || 'shetphone-incoming',
      requireInteraction: true,
    });
  } catch {
    return null; // e.g. Android Chrome only allows notifications from a service worker
  }
  note.onclick = () => {
    window.focus();
    note.close();
    onAnswer();
  };
  return () => note.close();
}
