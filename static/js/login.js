// The sign-in page: user name and password, errors in words, then the dashboard.

import { ApiError, api } from './api.js';
import { h, field, replace } from './dom.js';
import { LANGS, addMessages, getLang, initLang, onLangChange, setLang, t } from './i18n.js';
import { errorText } from './ui.js';

addMessages({
  en: {
    'login.title': 'Sign in to Relais',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.working': 'Signing in…',
    'login.bad': 'Wrong user name or password.',
    'login.limited': 'Too many attempts. Try again in {seconds} s.',
    'login.magic': 'Received a sign-in link? Open it in this browser.',
    'login.language': 'Language',
  },
  fr: {
    'login.title': 'Connexion à Relais',
    'login.username': "Nom d'utilisateur",
    'login.password': 'Mot de passe',
    'login.submit': 'Se connecter',
    'login.working': 'Connexion…',
    'login.bad': "Nom d'utilisateur ou mot de passe incorrect.",
    'login.limited': 'Trop de tentatives. Réessayez dans {seconds} s.',
    'login.magic': 'Vous avez reçu un lien de connexion ? Ouvrez-le dans ce navigateur.',
    'login.language': 'Langue',
  },
});

/** @param {unknown} err */
function failure(err) {
  if (err instanceof ApiError && err.status === 401) return t('login.bad');
  if (err instanceof ApiError && err.status === 429) {
    return t('login.limited', { seconds: String(err.body.retry_after || '60') });
  }
  return errorText(err);
}

function render() {
  const user = /** @type {HTMLInputElement} */ (h('input', { name: 'username', autocomplete: 'username', required: true, value: 'admin' }));
  const password = /** @type {HTMLInputElement} */ (
    h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })
  );
  const submit = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'primary', text: t('login.submit') }));
  const message = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const lang = /** @type {HTMLSelectElement} */ (
    h('select', { 'aria-label': t('login.language') }, LANGS.map((l) => h('option', { value: l, selected: l === getLang(), text: l.toUpperCase() })))
  );
  lang.addEventListener('change', () => setLang(/** @type {'en'|'fr'} */ (lang.value)));
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    field(t('login.username'), user),
    field(t('login.password'), password),
    message,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    submit.textContent = t('login.working');
    message.textContent = '';
    try {
      await api.post('/api/auth/login', { username: user.value, password: password.value });
      location.assign('/');
    } catch (err) {
      message.textContent = failure(err);
      password.select();
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  });
  replace(
    /** @type {HTMLElement} */ (document.getElementById('login')),
    h('div', { class: 'auth-head' }, h('h1', { text: t('login.title') }), lang),
    form,
    h('p', { class: 'help', text: t('login.magic') }),
  );
  password.focus();
}

initLang();
onLangChange(render);
render();
