import { api, apiKey, type Me } from './api.js';
import { BASE, type PageContext } from './context.js';
import { act, h, replace } from './dom.js';
import { errorAlert } from './errors.js';
import { inspectorPage } from './pages/inspector.js';
import { observabilityPage } from './pages/observability.js';
import { policyPage } from './pages/policy.js';
import { profilesPage } from './pages/profiles.js';
import { requeuePage } from './pages/requeue.js';
import { sessionsPage } from './pages/sessions.js';
import { signInPage } from './pages/sign-in.js';

type Page = (context: PageContext, ...params: string[]) => HTMLElement;

const routes: { pattern: RegExp; title: string; page: Page }[] = [
  { pattern: /^\/sessions\/?$/, title: 'Sessions', page: sessionsPage },
  { pattern: /^\/sessions\/([^/]+)$/, title: 'Session', page: inspectorPage },
  { pattern: /^\/profiles\/?$/, title: 'Model profiles', page: profilesPage },
  { pattern: /^\/policy\/?$/, title: 'Policy status', page: policyPage },
  { pattern: /^\/requeue\/?$/, title: 'Requeue', page: requeuePage },
  { pattern: /^\/observability\/?$/, title: 'Observability', page: observabilityPage },
];

const nav: [string, string][] = [
  ['/sessions', 'Sessions'],
  ['/profiles', 'Model profiles'],
  ['/policy', 'Policy'],
  ['/requeue', 'Requeue'],
  ['/observability', 'Observability'],
];

const root = document.getElementById('app') as HTMLElement;
let me: Me | null = null;
let pageAbort = new AbortController();

function navigate(path: string): void {
  history.pushState(null, '', `${BASE}${path}`);
  void render();
}

function signOut(): void {
  apiKey.clear();
  me = null;
  navigate('/sign-in');
}

function layout(current: string, content: HTMLElement, who: Me): HTMLElement {
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'top' },
      h('a', { href: `${BASE}/sessions`, class: 'brand' }, 'SomaAgent console'),
      h(
        'nav',
        { 'aria-label': 'Console' },
        h(
          'ul',
          {},
          nav.map(([path, label]) =>
            h(
              'li',
              {},
              h(
                'a',
                { href: `${BASE}${path}`, 'aria-current': current.startsWith(path) ? 'page' : null },
                label,
              ),
            ),
          ),
        ),
      ),
      h(
        'p',
        { class: 'who', 'aria-label': 'Signed in as' },
        `${who.role}${who.operator ? ' (operator)' : ''} · tenant ${who.tenantId.slice(0, 8)}`,
      ),
      h('button', { type: 'button', onclick: signOut }, 'Sign out'),
    ),
    h('main', {}, content),
  );
}

async function render(): Promise<void> {
  pageAbort.abort();
  pageAbort = new AbortController();
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  const key = apiKey.get();
  if (!key || path === '/sign-in') {
    document.title = 'Sign in · SomaAgent console';
    replace(
      root,
      signInPage((signedIn) => {
        me = signedIn;
        navigate('/sessions');
      }),
    );
    return;
  }
  if (!me) {
    try {
      me = await api<Me>('GET', '/v1/me');
    } catch (error) {
      apiKey.clear();
      replace(
        root,
        signInPage((signedIn) => {
          me = signedIn;
          navigate(path);
        }, error),
      );
      return;
    }
  }
  if (path === '/') {
    navigate('/sessions');
    return;
  }
  const context: PageContext = {
    me,
    key,
    signal: pageAbort.signal,
    navigate,
    search: new URLSearchParams(location.search),
  };
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    document.title = `${route.title} · SomaAgent console`;
    replace(root, layout(path, route.page(context, ...match.slice(1).map(decodeURIComponent)), me));
    root.querySelector('h1')?.focus();
    return;
  }
  replace(
    root,
    layout(
      path,
      h('section', {}, h('h1', {}, 'Not found'), errorAlert(new Error(`no console page at ${BASE}${path}`))),
      me,
    ),
  );
}

// Links inside the console navigate without reloading the page.
document.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest('a');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE) || link.target) return;
  event.preventDefault();
  navigate(url.pathname.slice(BASE.length) + url.search);
});
window.addEventListener('popstate', act(render));
void render();
