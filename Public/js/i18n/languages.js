// The languages that have a catalogue in this folder (English is the fallback).
// A new language: add <code>.js beside en.js with the same keys, and its code here.
export const LANGUAGES = ['en', 'de'];
