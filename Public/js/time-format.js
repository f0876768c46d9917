// Times and durations as the dialer shows them.

import { dateLocales } from './i18n.js';

/** 42 -> "0:42", 3723 -> "1:02:03" */
export function formatDuration(totalSeconds) {
  const seconds = Math.max(0, Math.floor(Number(totalSeconds) || 0));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "14:05", or "3 Mar 14:05" when not today. */
export function formatClock(date) {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) return '';
  const locales = dateLocales();
  const time = d.toLocaleTimeString(locales, { hour: '2-digit', minute: '2-digit' });
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.toLocaleDateString(locales, { day: 'numeric', month: 'short' })} ${time}`;
}

/** Server timestamps: unix seconds (number or numeric string) or ISO 8601 text. */
export function parseServerTime(value) {
  if (value === undefined || value === null || value === '') return null;
  const number = Number(value);
  if (Number.isFinite(number)) return new Date(number < 1e12 ? number * 1000 : number);
  const parsed = Date.parse(String(value));
  return Number.isFinite(parsed) ? new Date(parsed) : null;
}
