import { api, type EngineHealth, type PolicyStatus } from '../api.js';
import { BASE, type PageContext } from '../context.js';
import { act, formatTime, h, replace, shortId } from '../dom.js';
import { errorAlert, refusal } from '../errors.js';

function engineRow(name: string, engine: EngineHealth): HTMLElement {
  return h(
    'tr',
    { 'aria-label': `${name} health` },
    h('th', { scope: 'row' }, name),
    h(
      'td',
      {},
      h(
        'span',
        { class: `badge ${engine.healthy ? 'status-ok' : 'status-error'}` },
        engine.healthy ? 'healthy' : 'unhealthy',
      ),
    ),
    h('td', {}, `${Math.round(engine.latencyMs)} ms`),
    h('td', {}, engine.error ?? ''),
  );
}

/** Policy engines' health, the enforcement mode, recent decisions with reasons, and denials by rule. */
export function policyPage(context: PageContext): HTMLElement {
  const heading = h('h1', { tabindex: -1 }, 'Policy status');
  if (context.me.role !== 'admin') {
    return h('section', {}, heading, refusal('Policy status', 'an admin key', context.me.role));
  }
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading policy status…'));
  const load = async (): Promise<void> => {
    body.setAttribute('aria-busy', 'true');
    try {
      const status = await api<PolicyStatus>('GET', '/v1/policy/status');
      replace(
        body,
        h(
          'p',
          { 'aria-label': 'Policy mode' },
          'Mode: ',
          h('strong', { class: `mode-${status.mode}` }, status.mode),
        ),
        h(
          'table',
          {},
          h('caption', {}, 'Policy engines'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Engine', 'Health', 'Latency', 'Error'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h('tbody', {}, engineRow('OPA', status.engines.opa), engineRow('OpenFGA', status.engines.openfga)),
        ),
        h(
          'p',
          { 'aria-label': 'Decision totals' },
          `Last ${status.windowHours} h: ${status.totals.decisions} decisions · ${status.totals.allowed} allowed · ` +
            `${status.totals.denied} denied · ${status.totals.approvalRequired} needed approval · ` +
            `${status.totals.overridden} overridden`,
        ),
        h(
          'table',
          {},
          h('caption', {}, 'Denials by rule'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Rule', 'Denials'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            status.denialsByRule.length === 0
              ? h('tr', {}, h('td', { colspan: 2 }, 'No denials.'))
              : status.denialsByRule.map((d) =>
                  h('tr', {}, h('td', {}, h('code', {}, d.ruleId)), h('td', {}, String(d.count))),
                ),
          ),
        ),
        h(
          'table',
          {},
          h('caption', {}, 'Recent decisions'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Decided', 'Tool', 'Outcome', 'Mode', 'Rules', 'Reasons', 'Session'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            status.recentDecisions.length === 0
              ? h('tr', {}, h('td', { colspan: 7 }, 'No decisions yet.'))
              : status.recentDecisions.map((d) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, formatTime(d.decidedAt), d.cached ? h('small', {}, ' cached') : null),
                    h('td', {}, h('code', {}, d.tool)),
                    h('td', {}, h('span', { class: `outcome outcome-${d.outcome}` }, d.outcome)),
                    h('td', {}, d.mode),
                    h('td', {}, d.ruleIds.join(', ') || '—'),
                    h(
                      'td',
                      {},
                      d.reasons.length > 0
                        ? h(
                            'ul',
                            {},
                            d.reasons.map((r) => h('li', {}, r)),
                          )
                        : '—',
                    ),
                    h(
                      'td',
                      {},
                      d.tenantId === context.me.tenantId
                        ? h('a', { href: `${BASE}/sessions/${d.sessionId}` }, shortId(d.sessionId))
                        : shortId(d.sessionId),
                    ),
                  ),
                ),
          ),
        ),
      );
    } catch (error) {
      replace(body, errorAlert(error, 'Could not read the policy status'));
    }
    body.setAttribute('aria-busy', 'false');
  };
  act(load)(new Event('load'));
  return h('section', {}, heading, h('button', { type: 'button', onclick: act(load) }, 'Refresh'), body);
}
