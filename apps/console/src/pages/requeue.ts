import { api, query, type DeadLetter, type Page, type RequeueItem } from '../api.js';
import { BASE, type PageContext } from '../context.js';
import { act, field, formatTime, h, json, labelled, onSubmit, replace, shortId } from '../dom.js';
import { errorAlert, refusal } from '../errors.js';

const STATUSES = ['pending', 'retrying', 'overridden', 'rejected', 'dead_lettered', 'resolved'];

function itemView(item: RequeueItem, context: PageContext, onDone: (message: string) => void): HTMLElement {
  const errors = h('div', {});
  const decide = (action: 'override' | 'reject') =>
    act(async (event) => {
      const form = (event.currentTarget as HTMLButtonElement).form;
      if (!form) return;
      replace(errors);
      const reason = field(form, 'reason');
      if (!reason) {
        replace(errors, errorAlert(new Error(`a reason is required to ${action} a blocked call`)));
        form.querySelector('textarea')?.focus();
        return;
      }
      try {
        await api('POST', `/v1/requeue/${item.id}/${action}`, { reason });
        onDone(
          `${action === 'override' ? 'Overridden' : 'Rejected'}: ${item.tool} ${shortId(item.toolCallId)}.`,
        );
      } catch (error) {
        replace(errors, errorAlert(error, `Could not ${action}`));
      }
    });
  const ownSession = item.tenantId === context.me.tenantId;
  const mayOverride =
    item.overridableBy === 'admin' || (item.overridableBy === 'operator' && context.me.operator);
  return h(
    'article',
    { class: 'requeue-item', 'aria-label': `Blocked call ${item.tool} ${item.toolCallId}` },
    h(
      'h3',
      {},
      h('code', {}, item.tool),
      ' ',
      h('span', { class: `badge status-${item.status}` }, item.status),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Tool call'),
      h('dd', {}, h('code', {}, item.toolCallId)),
      h('dt', {}, 'Session'),
      h(
        'dd',
        {},
        ownSession ? h('a', { href: `${BASE}/sessions/${item.sessionId}` }, item.sessionId) : item.sessionId,
      ),
      h('dt', {}, 'Tenant'),
      h('dd', {}, h('code', {}, item.tenantId)),
      h('dt', {}, 'Blocked'),
      h('dd', {}, formatTime(item.createdAt), ` · attempt ${item.attempt}`),
      item.resolvedAt ? h('dt', {}, 'Resolved') : null,
      item.resolvedAt ? h('dd', {}, `${formatTime(item.resolvedAt)}: ${item.resolutionReason ?? ''}`) : null,
    ),
    h('h4', {}, 'Reasons'),
    h(
      'ul',
      { 'aria-label': 'Reasons' },
      item.reasons.map((r) => h('li', {}, r)),
    ),
    h('details', {}, h('summary', {}, 'Request'), h('pre', {}, json(item.request))),
    h('details', {}, h('summary', {}, 'Decision'), h('pre', {}, json(item.decision))),
    item.status === 'pending'
      ? h(
          'form',
          {
            'aria-label': `Decide ${item.tool} ${shortId(item.toolCallId)}`,
            onsubmit: onSubmit(() => Promise.resolve()),
          },
          labelled(
            'Reason',
            h('textarea', { name: 'reason', rows: 2, maxlength: 2000, 'aria-required': 'true' }),
            'required; kept in the audit log',
          ),
          h(
            'div',
            { class: 'actions' },
            mayOverride
              ? h('button', { type: 'button', onclick: decide('override') }, 'Override')
              : h(
                  'p',
                  { class: 'hint' },
                  item.overridableBy === 'operator'
                    ? 'Denied by policy: only the operator may override this deny.'
                    : 'Denied by policy: this deny is final and can only be rejected.',
                ),
            h('button', { type: 'button', onclick: decide('reject'), class: 'danger' }, 'Reject'),
          ),
          errors,
        )
      : null,
  );
}

function deadLetterRow(letter: DeadLetter, onDone: (message: string) => void): HTMLElement {
  const errors = h('div', {});
  return h(
    'article',
    { class: 'dead-letter', 'aria-label': `Dead letter ${letter.id}` },
    h(
      'h3',
      {},
      h('code', {}, letter.sourceTopic),
      ' ',
      h('span', { class: 'badge' }, letter.reason),
      ' ',
      h('span', { class: `badge status-${letter.status}` }, letter.status),
    ),
    h('p', {}, letter.detail),
    h(
      'p',
      {},
      h(
        'small',
        {},
        `${formatTime(letter.createdAt)} · app ${letter.app ?? '?'} · tenant ${shortId(letter.tenantId)} · session ${shortId(letter.sessionId)}`,
      ),
    ),
    h('details', {}, h('summary', {}, 'Message'), h('pre', {}, letter.value ?? '(empty)')),
    h(
      'form',
      {
        'aria-label': `Replay ${letter.id}`,
        class: 'inline-form',
        onsubmit: onSubmit(async (form) => {
          replace(errors);
          const reason = field(form, 'reason');
          try {
            await api('POST', `/v1/dead-letters/${letter.id}/replay`, reason ? { reason } : {});
            onDone(`Replayed dead letter ${shortId(letter.id)} to ${letter.sourceTopic}.`);
          } catch (error) {
            replace(errors, errorAlert(error, 'Could not replay'));
          }
        }),
      },
      labelled('Replay reason', h('input', { name: 'reason', maxlength: 2000 })),
      h('button', { type: 'submit' }, 'Replay'),
      errors,
    ),
  );
}

/** Blocked tool calls to override or reject (with a required reason), and dead letters to replay. */
export function requeuePage(context: PageContext): HTMLElement {
  const heading = h('h1', { tabindex: -1 }, 'Requeue');
  if (context.me.role !== 'admin') {
    return h('section', {}, heading, refusal('The requeue', 'an admin key', context.me.role));
  }
  const status = h('div', {});
  const items = h('div', { 'aria-busy': 'true' });
  const letters = h('div', { 'aria-busy': 'true' });
  const selected = context.search.get('status') ?? 'pending';
  const done = (message: string) => {
    replace(status, h('p', { role: 'status' }, message));
    act(load)(new Event('done'));
  };

  async function loadItems(): Promise<void> {
    items.setAttribute('aria-busy', 'true');
    try {
      const page = await api<Page<RequeueItem>>(
        'GET',
        `/v1/requeue${query({ status: selected || undefined, limit: 50 })}`,
      );
      replace(
        items,
        h(
          'p',
          {},
          `${page.items.length}${page.next === null ? '' : '+'} ${selected || 'blocked'} call${page.items.length === 1 && page.next === null ? '' : 's'}${page.next === null ? '' : `, newest ${page.items.length} shown`}.`,
        ),
        page.items.map((item) => itemView(item, context, done)),
      );
    } catch (error) {
      replace(items, errorAlert(error, 'Could not list blocked calls'));
    }
    items.setAttribute('aria-busy', 'false');
  }

  async function loadLetters(): Promise<void> {
    letters.setAttribute('aria-busy', 'true');
    try {
      const page = await api<Page<DeadLetter>>(
        'GET',
        `/v1/dead-letters${query({ status: 'stored', limit: 50 })}`,
      );
      replace(
        letters,
        h(
          'p',
          {},
          `${page.items.length}${page.next === null ? '' : '+'} dead letter${page.items.length === 1 && page.next === null ? '' : 's'} waiting.`,
        ),
        page.items.map((letter) => deadLetterRow(letter, done)),
      );
    } catch (error) {
      replace(letters, errorAlert(error, 'Could not list dead letters'));
    }
    letters.setAttribute('aria-busy', 'false');
  }

  async function load(): Promise<void> {
    await Promise.all([loadItems(), loadLetters()]);
  }
  act(load)(new Event('load'));

  return h(
    'section',
    {},
    heading,
    h(
      'form',
      {
        class: 'filters',
        'aria-label': 'Filter blocked calls',
        onsubmit: onSubmit((form) => {
          context.navigate(`/requeue${query({ status: field(form, 'status') })}`);
          return Promise.resolve();
        }),
      },
      labelled(
        'Status',
        h(
          'select',
          { name: 'status' },
          STATUSES.map((s) => h('option', { value: s, selected: s === selected }, s)),
        ),
      ),
      h('button', { type: 'submit' }, 'Show'),
      h('button', { type: 'button', onclick: act(load) }, 'Refresh'),
    ),
    status,
    h('h2', {}, 'Blocked calls'),
    items,
    h('h2', {}, 'Dead letters'),
    letters,
  );
}
