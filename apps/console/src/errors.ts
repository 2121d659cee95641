import { ApiError } from './api.js';
import { h } from './dom.js';

/** Every failure shows the API's error code and message (or the browser's, for a network failure). */
export function errorAlert(error: unknown, context?: string): HTMLElement {
  const api =
    error instanceof ApiError
      ? error
      : new ApiError(0, 'CONSOLE_ERROR', error instanceof Error ? error.message : String(error));
  return h(
    'div',
    { role: 'alert', class: 'error' },
    context ? `${context}: ` : null,
    h('strong', { class: 'error-code' }, api.code),
    api.status ? ` (HTTP ${api.status})` : null,
    ': ',
    h('span', { class: 'error-message' }, api.message),
  );
}

/** What a page says to a key whose role may not use it (the API would answer 403 as well). */
export function refusal(
  what: string,
  need: string,
  role: string,
  code: 'ADMIN_ROLE_REQUIRED' | 'OPERATOR_REQUIRED' = 'ADMIN_ROLE_REQUIRED',
): HTMLElement {
  return h(
    'div',
    { role: 'alert', class: 'error refusal' },
    h('strong', { class: 'error-code' }, code),
    `: ${what} needs ${need}. You are signed in with a ${role} key.`,
  );
}
