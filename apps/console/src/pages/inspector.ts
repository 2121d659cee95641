import {
  api,
  apiAll,
  type Classification,
  type Message,
  type ModelProfile,
  type PolicyDecision,
  type Session,
  type ToolCall,
  type Turn,
} from '../api.js';
import { BASE, type PageContext } from '../context.js';
import { act, field, formatTime, h, json, labelled, onSubmit, replace, shortId, type Child } from '../dom.js';
import { errorAlert } from '../errors.js';
import { openSessionStream, type StreamEvent, type StreamState } from '../sse.js';
import { approvalsPanel } from './approvals.js';

const MAX_LOGGED_EVENTS = 300;
/** The events that end a turn (libs/contracts terminalEventTypes). */
const TERMINAL: ReadonlySet<string> = new Set(['turn.completed', 'turn.failed', 'turn.cancelled']);

function classificationText(c: Classification | null): string | null {
  if (!c) return null;
  if (c.status !== 'classified') return `unclassified: ${c.reason ?? 'unknown reason'}`;
  const parts = [
    `intent ${c.intent ?? '?'}${c.confidence !== undefined ? ` (${c.confidence.toFixed(2)})` : ''}`,
  ];
  if (c.sentiment) parts.push(`sentiment ${c.sentiment.label} (${c.sentiment.score.toFixed(2)})`);
  parts.push(`tags: ${c.tags && c.tags.length > 0 ? c.tags.join(', ') : 'none'}`);
  return parts.join(' · ');
}

function decisionsView(decisions: PolicyDecision[]): Child {
  if (decisions.length === 0) return 'no decision recorded';
  return h(
    'ul',
    { class: 'decisions', 'aria-label': 'Policy decisions' },
    decisions.map((d) =>
      h(
        'li',
        {},
        h('strong', { class: `outcome outcome-${d.outcome}` }, d.outcome),
        ` (${d.mode}${d.cached ? ', cached' : ''}${d.transient ? ', transient' : ''}${d.attempt !== undefined ? `, attempt ${d.attempt}` : ''}) `,
        d.ruleIds.length > 0 ? h('span', {}, 'rules: ', h('code', {}, d.ruleIds.join(', '))) : null,
        d.reasons.length > 0
          ? h(
              'ul',
              { 'aria-label': 'Reasons' },
              d.reasons.map((r) => h('li', {}, r)),
            )
          : null,
      ),
    ),
  );
}

function toolCallsTable(calls: ToolCall[]): Child {
  if (calls.length === 0) return null;
  return h(
    'table',
    { class: 'tool-calls' },
    h('caption', {}, 'Tool calls'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Tool', 'Status', 'Policy decisions and reasons', 'Arguments', 'Result'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      calls.map((call) =>
        h(
          'tr',
          { 'aria-label': `Tool call ${call.tool} ${call.toolCallId}` },
          h(
            'td',
            {},
            h('code', {}, call.tool),
            h('br'),
            h('small', {}, `${shortId(call.toolCallId)} · by ${call.requestedBy} · attempt ${call.attempt}`),
          ),
          h(
            'td',
            {},
            h('span', { class: `badge status-${call.status}` }, call.status),
            call.source ? ` (${call.source})` : null,
          ),
          h('td', {}, decisionsView(call.decisions)),
          h('td', {}, h('details', {}, h('summary', {}, 'Arguments'), h('pre', {}, json(call.arguments)))),
          h(
            'td',
            {},
            call.error
              ? h('p', { class: 'error-inline' }, h('strong', {}, call.error.code), `: ${call.error.message}`)
              : null,
            call.output !== null && call.output !== undefined
              ? h('details', {}, h('summary', {}, 'Output'), h('pre', {}, json(call.output)))
              : null,
          ),
        ),
      ),
    ),
  );
}

function messageView(message: Message): HTMLElement {
  const classification = classificationText(message.classification);
  return h(
    'li',
    { class: `message message-${message.role}`, 'aria-label': `${message.role} message` },
    h('span', { class: 'role' }, message.role),
    message.toolCallId ? h('small', {}, ` result of ${shortId(message.toolCallId)}`) : null,
    h('p', { class: 'content' }, message.content),
    classification
      ? h('p', { class: 'classification', 'aria-label': 'Classification' }, classification)
      : null,
  );
}

function turnView(turn: Turn, index: number, messages: Message[], calls: ToolCall[] | null): HTMLElement {
  const context = turn.context ?? [];
  return h(
    'article',
    { class: 'turn', 'aria-label': `Turn ${index + 1}`, 'data-turn-id': turn.id },
    h(
      'header',
      {},
      h('h3', {}, `Turn ${index + 1}`),
      h('span', { class: `badge status-${turn.status}` }, turn.status),
      h('small', {}, ` ${shortId(turn.id)} · ${formatTime(turn.createdAt)}`),
    ),
    h(
      'p',
      { class: 'usage', 'aria-label': 'Token usage' },
      turn.usage
        ? `prompt ${turn.usage.promptTokens} · completion ${turn.usage.completionTokens} · total ${turn.usage.totalTokens} tokens`
        : 'no token usage recorded',
    ),
    turn.errorCode
      ? h('p', { class: 'error-inline' }, h('strong', {}, turn.errorCode), `: ${turn.errorMessage ?? ''}`)
      : null,
    h('ol', { class: 'messages', 'aria-label': 'Messages' }, messages.map(messageView)),
    calls ? toolCallsTable(calls) : null,
    h(
      'details',
      { class: 'context' },
      h(
        'summary',
        {},
        `Context sent: ${context.length} messages · ${turn.contextTokens ?? '?'} tokens · ${turn.droppedMessages ?? 0} dropped`,
      ),
      h(
        'ol',
        { 'aria-label': 'Context messages' },
        context.map((m) => h('li', {}, h('span', { class: 'role' }, m.role), h('pre', {}, m.content))),
      ),
      turn.contextDigest ? h('p', {}, 'digest ', h('code', {}, turn.contextDigest)) : null,
    ),
  );
}

/** One session: its history (turns, messages, tool calls, context) and its live stream. */
export function inspectorPage(context: PageContext, sessionId: string): HTMLElement {
  const details = h('div', {});
  const history = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading history…'));
  const sendStatus = h('div', {});
  const streamStatus = h(
    'p',
    { role: 'status', 'aria-label': 'Stream status', class: 'stream-status' },
    'connecting',
  );
  const turnState = h('p', { 'aria-label': 'Turn state' }, 'No turn yet.');
  const replyText = h('pre', { 'aria-label': 'Reply text', class: 'reply' });
  const cancelStatus = h('div', {});
  const stop = h(
    'button',
    {
      type: 'button',
      hidden: true,
      onclick: act(async () => {
        const turnId = currentTurn;
        if (!turnId) return;
        stop.setAttribute('disabled', '');
        replace(cancelStatus);
        try {
          const state = await api<{ status: string }>(
            'POST',
            `/v1/sessions/${sessionId}/turns/${turnId}/cancel`,
          );
          replace(cancelStatus, h('p', { role: 'status' }, `Turn ${shortId(turnId)}: ${state.status}`));
        } catch (error) {
          replace(cancelStatus, errorAlert(error, 'The turn was not cancelled'));
        } finally {
          stop.removeAttribute('disabled');
        }
      }),
    },
    'Stop',
  );
  const liveTurn = h(
    'div',
    { role: 'region', 'aria-label': 'Live turn', 'data-state': 'idle', class: 'live-turn' },
    turnState,
    // Above the reply: it stays put while the streamed text grows.
    stop,
    cancelStatus,
    replyText,
  );
  const eventLog = h('ol', { 'aria-label': 'Stream events', class: 'event-log' });
  const approvals = approvalsPanel(sessionId);
  const turns = new Map<string, { text: string; tokens: number; state: string }>();
  let currentTurn: string | null = null;
  let refreshTimer: number | undefined;

  const loadHistory = async (): Promise<void> => {
    history.setAttribute('aria-busy', 'true');
    const [messages, turnList, calls] = await Promise.allSettled([
      apiAll<Message>(`/v1/sessions/${sessionId}/messages`),
      apiAll<Turn>(`/v1/sessions/${sessionId}/turns`, 50),
      apiAll<ToolCall>(`/v1/sessions/${sessionId}/tool-calls`, 50),
    ]);
    if (messages.status === 'rejected' || turnList.status === 'rejected') {
      const reason: unknown =
        messages.status === 'rejected' ? messages.reason : (turnList as PromiseRejectedResult).reason;
      replace(history, errorAlert(reason, 'Could not load the history'));
      history.setAttribute('aria-busy', 'false');
      return;
    }
    const toolCalls = calls.status === 'fulfilled' ? calls.value : null;
    const known = new Set(turnList.value.map((t) => t.id));
    const orphans = messages.value.filter((m) => !m.turnId || !known.has(m.turnId));
    // Explicit calls (POST /tool-calls) may belong to no turn of this list: they are shown on their own.
    const looseCalls = (toolCalls ?? []).filter((c) => !c.turnId || !known.has(c.turnId));
    replace(
      history,
      calls.status === 'rejected' ? errorAlert(calls.reason, 'Could not load tool calls') : null,
      turnList.value.length === 0 ? h('p', {}, 'No turns yet.') : null,
      turnList.value.map((turn, index) =>
        turnView(
          turn,
          index,
          messages.value.filter((m) => m.turnId === turn.id),
          toolCalls ? toolCalls.filter((c) => c.turnId === turn.id) : null,
        ),
      ),
      looseCalls.length > 0
        ? h(
            'article',
            { 'aria-label': 'Explicit tool calls' },
            h('h3', {}, 'Tool calls outside a turn'),
            toolCallsTable(looseCalls),
          )
        : null,
      orphans.length > 0
        ? h(
            'article',
            { 'aria-label': 'Other messages' },
            h('h3', {}, 'Other messages'),
            h('ol', {}, orphans.map(messageView)),
          )
        : null,
    );
    history.setAttribute('aria-busy', 'false');
  };

  const scheduleRefresh = () => {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(act(loadHistory), 400);
  };

  const showTurn = (turnId: string) => {
    const turn = turns.get(turnId);
    if (!turn) return;
    currentTurn = turnId;
    liveTurn.dataset.state = turn.state;
    liveTurn.dataset.turnId = turnId;
    turnState.textContent = `Turn ${shortId(turnId)}: ${turn.state} · ${turn.tokens} token events`;
    replyText.textContent = turn.text;
    stop.hidden = turn.state !== 'streaming';
  };

  const describe = (event: StreamEvent): string => {
    const d = event.data;
    switch (event.type) {
      case 'token':
        return '';
      case 'tool.requested':
        return `${String(d.tool)} ${shortId(String(d.toolCallId))}`;
      case 'tool.blocked':
        return `${String(d.tool)}: ${Array.isArray(d.reasons) ? d.reasons.map(String).join('; ') : ''}`;
      case 'tool.completed':
        return `${String(d.tool)} ${String(d.status)}`;
      case 'turn.completed': {
        const usage = d.usage as { totalTokens?: number } | undefined;
        return usage?.totalTokens !== undefined ? `${usage.totalTokens} tokens` : '';
      }
      case 'turn.failed':
        return `${String(d.code)}: ${String(d.message)}`;
      case 'turn.cancelled': {
        const by = d.cancelledBy as { role?: string; via?: string } | undefined;
        return `by ${String(by?.role)} (${String(by?.via)})`;
      }
      case 'tool.approval_requested':
        return `${String(d.tool)} waits for your approval`;
      default:
        return '';
    }
  };

  const onEvent = (event: StreamEvent) => {
    const turnId = typeof event.data.turnId === 'string' ? event.data.turnId : null;
    if (turnId) {
      let turn = turns.get(turnId);
      if (!turn) {
        turn = { text: '', tokens: 0, state: 'streaming' };
        turns.set(turnId, turn);
      }
      if (event.type === 'token' && typeof event.data.delta === 'string') {
        turn.text += event.data.delta;
        turn.tokens += 1;
      } else if (event.type === 'turn.completed') turn.state = 'completed';
      else if (event.type === 'turn.failed') turn.state = 'failed';
      else if (event.type === 'turn.cancelled') turn.state = 'cancelled';
      if (event.type === 'turn.started' || turnId === currentTurn || currentTurn === null) showTurn(turnId);
    }
    if (event.type !== 'token') {
      eventLog.append(
        h(
          'li',
          { 'data-type': event.type },
          h('code', {}, `#${event.seq}`),
          ' ',
          h('strong', {}, event.type),
          ' ',
          describe(event),
        ),
      );
      while (eventLog.childElementCount > MAX_LOGGED_EVENTS) eventLog.firstElementChild?.remove();
      if (event.type !== 'turn.started') scheduleRefresh();
      if (event.type === 'tool.approval_requested' || event.type === 'tool.completed')
        act(approvals.refresh)(new Event('approval'));
      // The turn's row is settled by the worker just after its terminal event: look again a little later.
      if (TERMINAL.has(event.type)) {
        window.setTimeout(act(loadHistory), 2500);
      }
    }
  };

  const onState = (state: StreamState, detail?: string) => {
    streamStatus.dataset.state = state;
    replace(streamStatus, state, detail ? h('span', { class: 'error-inline' }, ` (${detail})`) : null);
  };

  const send = h(
    'form',
    {
      'aria-label': 'Send a message',
      onsubmit: onSubmit(async (form) => {
        const content = field(form, 'content');
        replace(sendStatus);
        if (!content) {
          replace(sendStatus, errorAlert(new Error('write a message first')));
          return;
        }
        const button = form.querySelector('button');
        button?.setAttribute('disabled', '');
        try {
          const ifBusy = field(form, 'ifBusy') || 'enqueue';
          const accepted = await api<{ turnId: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
            content,
            ifBusy,
          });
          form.reset();
          replace(sendStatus, h('p', { role: 'status' }, `Accepted: turn ${shortId(accepted.turnId)}`));
          scheduleRefresh();
        } catch (error) {
          replace(sendStatus, errorAlert(error, 'The message was not accepted'));
        } finally {
          button?.removeAttribute('disabled');
        }
      }),
    },
    labelled('Message', h('textarea', { name: 'content', rows: 3, maxlength: 8000 })),
    labelled(
      'While a turn runs',
      h(
        'select',
        { name: 'ifBusy' },
        h('option', { value: 'enqueue' }, 'wait for it'),
        h('option', { value: 'interrupt' }, 'stop it and answer this'),
        h('option', { value: 'reject' }, 'refuse this message'),
      ),
    ),
    h('button', { type: 'submit' }, 'Send'),
  );

  act(async () => {
    try {
      const [session, profiles] = await Promise.all([
        api<Session>('GET', `/v1/sessions/${sessionId}`),
        apiAll<ModelProfile>('/v1/model-profiles').catch(() => [] as ModelProfile[]),
      ]);
      const profile = profiles.find((p) => p.id === session.modelProfileId);
      replace(
        details,
        h('h1', { tabindex: -1 }, session.title ?? 'Untitled session'),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Id'),
          h('dd', {}, h('code', {}, session.id)),
          h('dt', {}, 'Model profile'),
          h('dd', {}, profile?.name ?? session.modelProfileId ?? '—'),
          h('dt', {}, 'Created'),
          h('dd', {}, formatTime(session.createdAt)),
          session.replay ? h('dt', {}, 'Replay of') : null,
          session.replay
            ? h(
                'dd',
                {},
                h(
                  'a',
                  { href: `${BASE}/sessions/${session.replay.sourceSessionId}` },
                  shortId(session.replay.sourceSessionId),
                ),
                ` (tool results: ${session.replay.toolResults})`,
              )
            : null,
        ),
      );
    } catch (error) {
      replace(details, h('h1', { tabindex: -1 }, 'Session'), errorAlert(error, 'Could not open the session'));
      onState('closed');
      replace(history);
      return;
    }
    openSessionStream(sessionId, context.key, { onEvent, onState }, context.signal);
    await Promise.all([loadHistory(), approvals.refresh()]);
  })(new Event('load'));
  context.signal.addEventListener('abort', () => {
    window.clearTimeout(refreshTimer);
  });

  return h(
    'section',
    { class: 'inspector' },
    details,
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'live-heading', class: 'live' },
        h('h2', { id: 'live-heading' }, 'Live stream'),
        streamStatus,
        liveTurn,
        approvals.element,
        send,
        sendStatus,
        h('h3', {}, 'Events'),
        eventLog,
      ),
      h(
        'section',
        { 'aria-labelledby': 'history-heading', class: 'history' },
        h('h2', { id: 'history-heading' }, 'History'),
        h('button', { type: 'button', onclick: act(loadHistory) }, 'Refresh history'),
        history,
      ),
    ),
  );
}
