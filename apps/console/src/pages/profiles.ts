import { api, apiAll, type ModelProfile } from '../api.js';
import { type PageContext } from '../context.js';
import { act, field, formatTime, h, labelled, onSubmit, replace } from '../dom.js';
import { errorAlert } from '../errors.js';

const TOOLS = ['code.execute', 'http.fetch', 'web.search', 'memory.write', 'memory.search'];

type Body = Record<string, string | number | boolean | string[] | null>;

/** Reads the form into a request body; empty optional numbers and texts become null (the server default). */
function bodyOf(form: HTMLFormElement, creating: boolean): Body {
  const data = new FormData(form);
  const text = (name: string) => field(form, name);
  const number = (name: string) => (text(name) === '' ? null : Number(text(name)));
  const body: Body = {
    provider: text('provider'),
    model: text('model'),
    baseUrl: text('baseUrl') || null,
    apiKeyEnv: text('apiKeyEnv') || null,
    maxTokens: number('maxTokens'),
    contextWindow: number('contextWindow'),
    systemPrompt: text('systemPrompt') || null,
    tools: data.getAll('tools').map(String),
    toolChoice: text('toolChoice'),
    isDefault: data.get('isDefault') === 'on',
  };
  if (creating) body.name = text('name');
  for (const name of ['temperature', 'topP', 'inputCostPer1k', 'outputCostPer1k']) {
    const value = number(name);
    if (value !== null) body[name] = value;
  }
  return body;
}

function profileForm(
  profile: ModelProfile | null,
  onSaved: (saved: ModelProfile) => void,
  onCancel: () => void,
): HTMLElement {
  const errors = h('div', {});
  const input = (
    name: string,
    value: string | number | null | undefined,
    attrs: Record<string, string | number> = {},
  ) => h('input', { name, value: value ?? '', ...attrs });
  const option = (value: string, current: string | undefined) =>
    h('option', { value, selected: value === current }, value);
  const title = profile ? `Edit model profile ${profile.name}` : 'New model profile';
  return h(
    'form',
    {
      'aria-label': title,
      class: 'profile-form',
      onsubmit: onSubmit(async (form) => {
        replace(errors);
        try {
          const saved = profile
            ? await api<ModelProfile>('PATCH', `/v1/model-profiles/${profile.id}`, bodyOf(form, false))
            : await api<ModelProfile>('POST', '/v1/model-profiles', bodyOf(form, true));
          onSaved(saved);
        } catch (error) {
          replace(errors, errorAlert(error, 'Not saved'));
        }
      }),
    },
    h('h2', {}, title),
    profile
      ? null
      : labelled(
          'Name',
          input('name', '', { required: 'required', maxlength: 100 }),
          'lowercase letters, digits, . _ -',
        ),
    labelled(
      'Provider',
      h(
        'select',
        { name: 'provider' },
        option('local', profile?.provider),
        option('openai', profile?.provider),
      ),
    ),
    labelled(
      'Model',
      input('model', profile?.model ?? 'SmolLM2-135M-Instruct-Q4_1', { required: 'required' }),
    ),
    labelled('Base URL', input('baseUrl', profile?.baseUrl, { type: 'url' }), 'required for openai'),
    labelled(
      'API key variable',
      input('apiKeyEnv', profile?.apiKeyEnv),
      'name of an environment variable starting with SOMA_LLM_KEY_',
    ),
    labelled(
      'Temperature',
      input('temperature', profile?.temperature, { type: 'number', step: 'any', min: 0, max: 2 }),
    ),
    labelled('Top P', input('topP', profile?.topP, { type: 'number', step: 'any', min: 0.01, max: 1 })),
    labelled(
      'Max tokens',
      input('maxTokens', profile?.maxTokens, { type: 'number', min: 1, max: 32768 }),
      'empty: server default',
    ),
    labelled(
      'Context window',
      input('contextWindow', profile?.contextWindow, { type: 'number', min: 64 }),
      'empty: server default',
    ),
    labelled(
      'Input cost per 1k',
      input('inputCostPer1k', profile?.inputCostPer1k, { type: 'number', step: 'any', min: 0 }),
    ),
    labelled(
      'Output cost per 1k',
      input('outputCostPer1k', profile?.outputCostPer1k, { type: 'number', step: 'any', min: 0 }),
    ),
    labelled(
      'System prompt',
      h('textarea', { name: 'systemPrompt', rows: 3, maxlength: 8000 }, profile?.systemPrompt ?? ''),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Tools'),
      TOOLS.map((tool) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            name: 'tools',
            value: tool,
            checked: profile?.tools.includes(tool) ?? false,
          }),
          tool,
        ),
      ),
    ),
    labelled(
      'Tool choice',
      h(
        'select',
        { name: 'toolChoice' },
        option('auto', profile?.toolChoice),
        option('required', profile?.toolChoice),
      ),
    ),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'isDefault', checked: profile?.isDefault ?? false }),
      'Default profile for new sessions',
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, profile ? 'Save changes' : 'Create profile'),
      h('button', { type: 'button', onclick: onCancel }, 'Cancel'),
    ),
    errors,
  );
}

/** Model profiles: anyone lists them; operator admins create and edit them (the API answers 403 otherwise). */
export function profilesPage(context: PageContext): HTMLElement {
  const { me } = context;
  const list = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading model profiles…'));
  const editor = h('div', {});
  const status = h('div', {});
  const canEdit = me.role === 'admin';

  const edit = (profile: ModelProfile | null) => {
    replace(status);
    replace(
      editor,
      profileForm(
        profile,
        (saved) => {
          replace(editor);
          replace(status, h('p', { role: 'status' }, `Saved model profile ${saved.name}.`));
          act(load)(new Event('saved'));
        },
        () => {
          replace(editor);
        },
      ),
    );
    editor.querySelector('input, select')?.scrollIntoView({ block: 'nearest' });
  };

  async function load(): Promise<void> {
    list.setAttribute('aria-busy', 'true');
    try {
      const profiles = await apiAll<ModelProfile>('/v1/model-profiles');
      const columns = [
        'Name',
        'Provider',
        'Model',
        'Temperature',
        'Top P',
        'Max tokens',
        'Context',
        'Tools',
        'Updated',
      ];
      replace(
        list,
        h(
          'table',
          {},
          h('caption', {}, `Model profiles (${profiles.length})`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [...columns, canEdit ? 'Actions' : null].map((c) => (c ? h('th', { scope: 'col' }, c) : null)),
            ),
          ),
          h(
            'tbody',
            {},
            profiles.map((p) =>
              h(
                'tr',
                { 'aria-label': `Model profile ${p.name}` },
                h('td', {}, p.name, p.isDefault ? h('span', { class: 'badge' }, ' default') : null),
                h('td', {}, p.provider),
                h('td', {}, p.model),
                h('td', {}, String(p.temperature)),
                h('td', {}, String(p.topP)),
                h('td', {}, p.maxTokens === null ? 'default' : String(p.maxTokens)),
                h('td', {}, p.contextWindow === null ? 'default' : String(p.contextWindow)),
                h('td', {}, p.tools.length > 0 ? `${p.tools.join(', ')} (${p.toolChoice})` : '—'),
                h('td', {}, formatTime(p.updatedAt)),
                canEdit
                  ? h(
                      'td',
                      {},
                      h(
                        'button',
                        {
                          type: 'button',
                          'aria-label': `Edit ${p.name}`,
                          onclick: () => {
                            edit(p);
                          },
                        },
                        'Edit',
                      ),
                    )
                  : null,
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      replace(list, errorAlert(error, 'Could not list model profiles'));
    }
    list.setAttribute('aria-busy', 'false');
  }
  act(load)(new Event('load'));

  return h(
    'section',
    {},
    h('h1', { tabindex: -1 }, 'Model profiles'),
    canEdit
      ? me.operator
        ? null
        : h(
            'p',
            { role: 'note' },
            'Only admin keys of the operator tenant can save profiles; the API will refuse yours with OPERATOR_REQUIRED.',
          )
      : h(
          'div',
          { role: 'alert', class: 'error refusal' },
          h('strong', { class: 'error-code' }, 'ADMIN_ROLE_REQUIRED'),
          ': editing model profiles needs an operator admin key. You are signed in with a user key: you can only read them.',
        ),
    canEdit
      ? h(
          'button',
          {
            type: 'button',
            onclick: () => {
              edit(null);
            },
          },
          'New profile',
        )
      : null,
    status,
    editor,
    list,
  );
}
