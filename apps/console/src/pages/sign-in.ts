import { api, apiKey, type Me } from '../api.js';
import { field, h, labelled, onSubmit, replace } from '../dom.js';
import { errorAlert } from '../errors.js';

/** Sign in with an API key: checked with GET /v1/me, kept in sessionStorage for this tab only. */
export function signInPage(onSignedIn: (me: Me) => void, initialError?: unknown): HTMLElement {
  const errors = h('div', {});
  if (initialError !== undefined) replace(errors, errorAlert(initialError, 'Sign in again'));
  const input = h('input', {
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  return h(
    'main',
    { class: 'sign-in' },
    h('h1', {}, 'SomaAgent console'),
    h('p', {}, 'Sign in with an API key. It is kept in this browser tab only (sessionStorage).'),
    h(
      'form',
      {
        'aria-label': 'Sign in',
        onsubmit: onSubmit(async (form) => {
          const key = field(form, 'key');
          replace(errors);
          try {
            const me = await api<Me>('GET', '/v1/me', undefined, key);
            apiKey.set(key);
            onSignedIn(me);
          } catch (error) {
            replace(errors, errorAlert(error, 'Sign-in failed'));
          }
        }),
      },
      labelled('API key', input),
      h('button', { type: 'submit' }, 'Sign in'),
    ),
    errors,
  );
}
