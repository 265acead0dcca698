// The dashboard shell: session, ARIA tabs with hash routing, language switch,
// sign-out, the unsaved-changes guard. Screens are mounted lazily.

import { api, setCsrfToken, toSignIn } from './api.js';
import { h, replace } from './dom.js';
import { URLS, invalidateTargets } from './endpoints.js';
import { LANGS, addMessages, getLang, initLang, onLangChange, setLang, t } from './i18n.js';
import { SCREENS, isRoute, nextTabIndex, parseRoute, routeHash } from './screens.js';
import { canLeave, errorText, isDirty, notify } from './ui.js';

addMessages({
  en: {
    'app.title': 'Relais',
    'app.nav': 'Sections',
    'app.language': 'Language',
    'app.signed_in_as': 'Signed in as {user}',
    'app.sign_out': 'Sign out',
    'app.load_failed': 'This screen could not be loaded: {message}',
    'lang.en': 'English',
    'lang.fr': 'Français',
    'tab.overview': 'Overview',
    'tab.deliveries': 'Deliveries',
    'tab.emails': 'Emails',
    'tab.rules': 'Rules',
    'tab.targets': 'Targets',
    'tab.schedule': 'Schedule',
    'tab.preferences': 'Preferences',
    'tab.flags': 'Flags',
    'tab.access': 'Access',
    'tab.tools': 'Tools',
  },
  fr: {
    'app.title': 'Relais',
    'app.nav': 'Rubriques',
    'app.language': 'Langue',
    'app.signed_in_as': 'Connecté en tant que {user}',
    'app.sign_out': 'Se déconnecter',
    'app.load_failed': "Cet écran n'a pas pu être chargé : {message}",
    'lang.en': 'English',
    'lang.fr': 'Français',
    'tab.overview': "Vue d'ensemble",
    'tab.deliveries': 'Livraisons',
    'tab.emails': 'E-mails',
    'tab.rules': 'Règles',
    'tab.targets': 'Cibles',
    'tab.schedule': 'Horaires',
    'tab.preferences': 'Préférences',
    'tab.flags': 'Interrupteurs',
    'tab.access': 'Accès',
    'tab.tools': 'Outils',
  },
});

/**
 * @typedef {{update: () => unknown, show?: (params: Record<string, string>) => unknown, hide?: () => unknown}} Mounted
 * @typedef {{session: {user: string, csrf_token: string}, navigate: (screen: string, params?: Record<string, string>) => void}} ScreenContext
 */

const ids = SCREENS.map((s) => s.id);
/** @type {Map<string, Mounted>} */
const mounted = new Map();
/** @type {Record<string, HTMLElement>} */
const panels = {};
/** @type {Record<string, HTMLElement>} */
const tabs = {};
let active = '';
/** @type {ScreenContext} */
let ctx;

/** @param {string} id */
async function mountScreen(id) {
  const existing = mounted.get(id);
  if (existing) return existing;
  const spec = /** @type {import('./screens.js').ScreenSpec} */ (SCREENS.find((s) => s.id === id));
  const module = await import(spec.module);
  const screen = /** @type {Mounted} */ (module[spec.mount](panels[id], ctx));
  mounted.set(id, screen);
  return screen;
}

/**
 * Show one screen (after the unsaved-changes guard of the one being left).
 * @param {string} id
 * @param {Record<string, string>} params
 * @param {{focus?: boolean}} [options]
 */
async function activate(id, params, options = {}) {
  if (!(await mayLeave(id))) {
    history.replaceState(null, '', routeHash(active));
    return;
  }
  if (active !== id) mounted.get(active)?.hide?.();
  active = id;
  selectTab(id);
  if (options.focus) tabs[id].focus();
  revealTab(tabs[id]);
  invalidateTargets(); // a screen opened shows the targets as they are now
  try {
    const screen = await mountScreen(id);
    await screen.show?.(params);
  } catch (err) {
    replace(panels[id], h('p', { class: 'error', role: 'alert', text: t('app.load_failed', { message: errorText(err) }) }));
  }
}

/**
 * Whether the screen shown may be left for `id` (its unsaved-changes guard asks when needed).
 * @param {string} id
 */
async function mayLeave(id) {
  if (!active || active === id || !isDirty(active)) return true;
  return canLeave(active);
}

/**
 * Mark one tab selected and show its panel only (ARIA tabs: the selected tab is the one in the tab order).
 * @param {string} id
 */
function selectTab(id) {
  for (const other of ids) {
    const selected = other === id;
    tabs[other].setAttribute('aria-selected', String(selected));
    tabs[other].tabIndex = selected ? 0 : -1;
    panels[other].hidden = !selected;
  }
}

/**
 * Scroll the tab strip (not the page) so that a tab is wholly in view, with a little of its
 * neighbours showing that the strip scrolls (narrow screens show a few tabs at a time).
 * @param {HTMLElement|undefined} tab
 */
function revealTab(tab) {
  const strip = /** @type {HTMLElement|null} */ (tab?.closest('.nav'));
  if (!tab || !strip) return;
  const margin = 32;
  const left = tab.offsetLeft; // the strip is positioned: offsets are within its scrolled content
  const right = left + tab.offsetWidth;
  if (left - margin < strip.scrollLeft) strip.scrollLeft = Math.max(0, left - margin);
  else if (right + margin > strip.scrollLeft + strip.clientWidth) strip.scrollLeft = right + margin - strip.clientWidth;
}

/** @param {string} screen @param {Record<string, string>} [params] */
function navigate(screen, params) {
  const hash = routeHash(screen, params);
  if (location.hash === hash) activate(screen, params || {});
  else location.hash = hash;
}

/** @param {KeyboardEvent} event */
function onTabKey(event) {
  const index = ids.indexOf(active);
  const next = nextTabIndex(event.key, index, ids.length);
  if (next === null) return;
  event.preventDefault();
  tabs[ids[next]].focus();
}

function buildTabs() {
  const list = h('div', { role: 'tablist', class: 'tabs', 'aria-label': t('app.nav'), onkeydown: onTabKey });
  for (const id of ids) {
    tabs[id] = h('a', {
      role: 'tab',
      id: `tab-${id}`,
      href: routeHash(id),
      'aria-controls': `panel-${id}`,
      'aria-selected': 'false',
      tabindex: '-1',
      text: t(`tab.${id}`),
    });
    list.appendChild(tabs[id]);
  }
  return list;
}

/** @param {HTMLElement} main */
function buildPanels(main) {
  for (const id of ids) {
    panels[id] = h('section', {
      role: 'tabpanel',
      id: `panel-${id}`,
      class: 'panel',
      'aria-labelledby': `tab-${id}`,
      tabindex: '0',
      hidden: true,
    });
    main.appendChild(panels[id]);
  }
}

function languageSelect() {
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'lang', 'aria-label': t('app.language') },
      LANGS.map((lang) => h('option', { value: lang, selected: lang === getLang(), text: t(`lang.${lang}`) })),
    )
  );
  select.addEventListener('change', async () => {
    if (isDirty() && !(await canLeave(active))) {
      select.value = getLang();
      return;
    }
    setLang(/** @type {'en'|'fr'} */ (select.value));
  });
  return select;
}

/** @param {Event} event */
async function signOut(event) {
  const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
  if (!(await canLeave(active))) return;
  button.disabled = true;
  try {
    await api.post(URLS.logout);
    toSignIn();
  } catch (err) {
    notify(errorText(err), 'error');
    button.disabled = false;
  }
}

/** Build the whole page (again, after a language switch: screens remount in the new language). */
function render() {
  const root = /** @type {HTMLElement} */ (document.getElementById('app'));
  for (const screen of mounted.values()) screen.hide?.();
  mounted.clear();
  const main = h('main', { id: 'main', tabindex: '-1' });
  replace(
    root,
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand', text: t('app.title') }),
      h(
        'div',
        { class: 'session' },
        h('span', { class: 'user', text: t('app.signed_in_as', { user: ctx.session.user }) }),
        languageSelect(),
        h('button', { type: 'button', id: 'sign-out', text: t('app.sign_out'), onclick: signOut }),
      ),
    ),
    h('nav', { class: 'nav' }, buildTabs()),
    main,
  );
  buildPanels(main);
  const wanted = active || parseRoute(location.hash, ids).screen;
  active = '';
  activate(wanted, parseRoute(location.hash, ids).params);
}

async function start() {
  initLang();
  let session;
  try {
    session = await api.get(URLS.session);
  } catch {
    toSignIn();
    return;
  }
  setCsrfToken(session.csrf_token);
  ctx = { session, navigate };
  onLangChange(render);
  window.addEventListener('hashchange', () => {
    if (!isRoute(location.hash)) return; // an in-page anchor such as the skip link
    const route = parseRoute(location.hash, ids);
    activate(route.screen, route.params, { focus: false });
  });
  window.addEventListener('resize', () => revealTab(tabs[active]));
  window.addEventListener('beforeunload', (event) => {
    if (isDirty()) event.preventDefault();
  });
  render();
}

start();
