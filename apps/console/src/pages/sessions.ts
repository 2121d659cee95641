import { api, apiAll, query, type ModelProfile, type Page, type Session } from '../api.js';
import { act, field, formatTime, h, labelled, onSubmit, replace, shortId } from '../dom.js';
import { errorAlert } from '../errors.js';
import { BASE, type PageContext } from '../context.js';

const PAGE_SIZE = 25;

/** datetime-local values are local time; the API wants ISO 8601. */
const toIso = (local: string): string | undefined => {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

/** Sessions of the caller's tenant, filtered by title, model profile and creation time. */
export function sessionsPage(context: PageContext): HTMLElement {
  const { search } = context;
  const cursor = search.get('cursor') ?? undefined;
  const results = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading sessions…'));
  const createErrors = h('div', {});
  const profileSelect = (name: string, anyLabel: string) =>
    h('select', { name }, h('option', { value: '' }, anyLabel));
  const filterProfile = profileSelect('modelProfileId', 'Any');
  const newProfile = profileSelect('modelProfile', 'Default');
  const profileNames = new Map<string, string>();

  const filters = h(
    'form',
    {
      role: 'search',
      'aria-label': 'Filter sessions',
      class: 'filters',
      onsubmit: onSubmit((form) => {
        const params = new URLSearchParams();
        for (const name of ['title', 'modelProfileId', 'createdAfter', 'createdBefore']) {
          const value = field(form, name);
          if (value) params.set(name, value);
        }
        const text = params.toString();
        context.navigate(`/sessions${text ? `?${text}` : ''}`);
        return Promise.resolve();
      }),
    },
    labelled('Title', h('input', { name: 'title', type: 'search', value: search.get('title') ?? '' })),
    labelled('Model profile', filterProfile),
    labelled(
      'Created after',
      h('input', { name: 'createdAfter', type: 'datetime-local', value: search.get('createdAfter') ?? '' }),
    ),
    labelled(
      'Created before',
      h('input', { name: 'createdBefore', type: 'datetime-local', value: search.get('createdBefore') ?? '' }),
    ),
    h('button', { type: 'submit' }, 'Apply filters'),
    h('a', { href: `${BASE}/sessions`, class: 'button-link' }, 'Clear'),
  );

  const create = h(
    'form',
    {
      'aria-label': 'New session',
      class: 'inline-form',
      onsubmit: onSubmit(async (form) => {
        replace(createErrors);
        try {
          const title = field(form, 'title');
          const modelProfile = field(form, 'modelProfile');
          const created = await api<{ id: string }>('POST', '/v1/sessions', {
            ...(title ? { title } : {}),
            ...(modelProfile ? { modelProfile } : {}),
          });
          context.navigate(`/sessions/${created.id}`);
        } catch (error) {
          replace(createErrors, errorAlert(error, 'Could not create the session'));
        }
      }),
    },
    labelled('New session title', h('input', { name: 'title', maxlength: 200 })),
    labelled('Profile', newProfile),
    h('button', { type: 'submit' }, 'Create session'),
  );

  const load = async (): Promise<void> => {
    const profiles = await apiAll<ModelProfile>('/v1/model-profiles').catch((): ModelProfile[] => []);
    for (const profile of profiles) {
      profileNames.set(profile.id, profile.name);
      const selected = search.get('modelProfileId') === profile.id;
      filterProfile.append(h('option', { value: profile.id, selected }, profile.name));
      newProfile.append(h('option', { value: profile.name }, profile.name));
    }
    try {
      const page = await api<Page<Session>>(
        'GET',
        `/v1/sessions${query({
          limit: PAGE_SIZE,
          cursor,
          title: search.get('title') ?? undefined,
          modelProfileId: search.get('modelProfileId') ?? undefined,
          createdAfter: toIso(search.get('createdAfter') ?? ''),
          createdBefore: toIso(search.get('createdBefore') ?? ''),
        })}`,
      );
      const more = page.next !== null;
      const shown = page.items;
      // Keyset pages go forward only; "Newest" starts again from the top.
      const pageLink = (to: string | null, label: string) => {
        const params = new URLSearchParams(search);
        if (to === null) params.delete('cursor');
        else params.set('cursor', to);
        return h('a', { href: `${BASE}/sessions?${params.toString()}`, class: 'button-link' }, label);
      };
      replace(
        results,
        h(
          'table',
          {},
          h('caption', {}, `Sessions (${shown.length}${more ? '+' : ''} shown)`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Title', 'Model profile', 'Created', 'Id'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            shown.length === 0
              ? h('tr', {}, h('td', { colspan: 4 }, 'No sessions match.'))
              : shown.map((s) =>
                  h(
                    'tr',
                    {},
                    h(
                      'td',
                      {},
                      h('a', { href: `${BASE}/sessions/${s.id}` }, s.title ?? 'Untitled session'),
                      s.replay ? h('span', { class: 'badge' }, ' replay') : null,
                    ),
                    h(
                      'td',
                      {},
                      s.modelProfileId
                        ? (profileNames.get(s.modelProfileId) ?? shortId(s.modelProfileId))
                        : '—',
                    ),
                    h('td', {}, formatTime(s.createdAt)),
                    h('td', {}, h('code', {}, shortId(s.id))),
                  ),
                ),
          ),
        ),
        h(
          'nav',
          { 'aria-label': 'Pages', class: 'pager' },
          cursor !== undefined ? pageLink(null, 'Newest') : null,
          page.next !== null ? pageLink(page.next, 'Next page') : null,
        ),
      );
    } catch (error) {
      replace(results, errorAlert(error, 'Could not list sessions'));
    }
    results.setAttribute('aria-busy', 'false');
  };
  act(load)(new Event('load'));

  return h(
    'section',
    {},
    h('h1', { tabindex: -1 }, 'Sessions'),
    filters,
    results,
    h('h2', {}, 'Start a session'),
    create,
    createErrors,
  );
}
