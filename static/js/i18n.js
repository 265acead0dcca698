// Messages in English and French. Each module registers its own with addMessages();
// the language defaults to the browser's and is remembered in localStorage.

/** @typedef {'en'|'fr'} Lang */

export const LANGS = /** @type {const} */ (['en', 'fr']);
const STORAGE_KEY = 'relais.lang';

/** @type {Record<Lang, Record<string, string>>} */
const catalog = { en: {}, fr: {} };
/** @type {Set<(lang: Lang) => void>} */
const listeners = new Set();
/** @type {Lang} */
let current = 'en';

/**
 * Register messages for every language at once.
 * @param {{en: Record<string, string>, fr: Record<string, string>}} messages
 */
export function addMessages(messages) {
  for (const lang of LANGS) Object.assign(catalog[lang], messages[lang] || {});
}

/**
 * The language to start with: the saved choice, else the first supported browser language.
 * @param {readonly string[]} browserLangs
 * @param {string|null} saved
 * @returns {Lang}
 */
export function pickLang(browserLangs, saved) {
  if (saved === 'en' || saved === 'fr') return saved;
  for (const tag of browserLangs) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base === 'en' || base === 'fr') return base;
  }
  return 'en';
}

/** @returns {Lang} */
export function getLang() {
  return current;
}

/**
 * Switch language (saved for next time) and tell the listeners.
 * @param {Lang} lang
 */
export function setLang(lang) {
  if (!LANGS.includes(lang)) return;
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  if (globalThis.document) document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

/** Pick the start language from the browser and the saved choice. */
export function initLang() {
  /** @type {string|null} */
  let saved;
  try {
    saved = globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    saved = null; // storage refused (private mode): the browser's language decides
  }
  const nav = globalThis.navigator;
  current = pickLang(nav?.languages?.length ? nav.languages : [nav?.language || 'en'], saved);
  if (globalThis.document) document.documentElement.lang = current;
  return current;
}

/**
 * @param {(lang: Lang) => void} fn
 * @returns {() => void} unsubscribe
 */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Translate a key, filling `{name}` placeholders; an unknown key shows itself (visible in tests).
 * @param {string} key
 * @param {Record<string, string|number>} [params]
 * @returns {string}
 */
export function t(key, params) {
  const text = catalog[current][key] ?? catalog.en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/**
 * `t()` in the singular or the plural, as the language counts `params.count`: the key
 * `<key>_one` for the singular (French says "0 livraison" too), else `<key>` itself.
 * @param {string} key
 * @param {Record<string, string|number>} [params]
 * @returns {string}
 */
export function tc(key, params) {
  const count = Number(params?.count);
  if (!Number.isFinite(count)) return t(key, params);
  const one = `${key}_one`;
  const singular = new Intl.PluralRules(current).select(count) === 'one';
  return singular && (one in catalog[current] || one in catalog.en) ? t(one, params) : t(key, params);
}

/**
 * Keys missing in one language (used by the unit tests to keep both complete).
 * @returns {{en: string[], fr: string[]}}
 */
export function missingKeys() {
  const en = Object.keys(catalog.en);
  const fr = Object.keys(catalog.fr);
  return {
    en: fr.filter((k) => !(k in catalog.en)),
    fr: en.filter((k) => !(k in catalog.fr)),
  };
}

/**
 * Every message key registered so far (the French walk test looks for any shown as text).
 * @returns {string[]}
 */
export function messageKeys() {
  return Object.keys(catalog.en);
}
