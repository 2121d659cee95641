import { api, apiAll, type ApprovalAnswer, type ApprovalAnswered, type ToolApproval } from '../api.js';
import { act, field, formatTime, h, json, labelled, onSubmit, replace, shortId } from '../dom.js';
import { errorAlert } from '../errors.js';

/**
 * "Waiting for your approval": the session's tool calls that policy sends to its own user. Each can be approved,
 * run with edited arguments (JSON, checked by the server against the tool's schema), or rejected with a message
 * the model reads. The server decides everything; the panel only shows and posts.
 */
export function approvalsPanel(sessionId: string): { element: HTMLElement; refresh: () => Promise<void> } {
  const list = h('div', { 'aria-live': 'polite' });
  const status = h('div', {});

  const post = async (approval: ToolApproval, answer: ApprovalAnswer) => {
    replace(status);
    try {
      const answered = await api<ApprovalAnswered>(
        'POST',
        `/v1/sessions/${sessionId}/approvals/${approval.toolCallId}`,
        answer,
      );
      replace(
        status,
        h('p', { role: 'status' }, `${approval.tool} ${shortId(approval.toolCallId)}: ${answered.status}`),
      );
    } catch (error) {
      replace(status, errorAlert(error, 'The answer was not accepted'));
    }
    await refresh();
  };

  const card = (approval: ToolApproval) =>
    h(
      'article',
      { 'aria-label': `Approval of ${approval.tool} ${shortId(approval.toolCallId)}`, class: 'approval' },
      h('h4', {}, `${approval.tool} `, h('code', {}, shortId(approval.toolCallId))),
      h('p', {}, approval.reasons.join('; ')),
      h('pre', { 'aria-label': 'Arguments' }, json(approval.arguments)),
      h('p', {}, `Expires ${formatTime(approval.expiresAt)}`),
      h('button', { type: 'button', onclick: act(() => post(approval, { decision: 'approve' })) }, 'Approve'),
      h(
        'form',
        {
          'aria-label': 'Edit and run',
          onsubmit: onSubmit(async (form) => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(field(form, 'arguments'));
            } catch {
              replace(status, errorAlert(new Error('the arguments must be JSON')));
              return;
            }
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
              replace(status, errorAlert(new Error('the arguments must be a JSON object')));
              return;
            }
            await post(approval, { decision: 'edit', arguments: Object.fromEntries(Object.entries(parsed)) });
          }),
        },
        labelled('Arguments (JSON)', h('textarea', { name: 'arguments', rows: 3 }, json(approval.arguments))),
        h('button', { type: 'submit' }, 'Run with these arguments'),
      ),
      h(
        'form',
        {
          'aria-label': 'Reject',
          onsubmit: onSubmit((form) =>
            post(approval, { decision: 'reject', message: field(form, 'message') || 'rejected by the user' }),
          ),
        },
        labelled('Message for the model', h('input', { name: 'message', maxlength: 2000 })),
        h('button', { type: 'submit' }, 'Reject'),
      ),
    );

  const refresh = async (): Promise<void> => {
    try {
      const pending = await apiAll<ToolApproval>(`/v1/sessions/${sessionId}/approvals`);
      replace(
        list,
        pending.length === 0 ? h('p', {}, 'Nothing waits for your approval.') : pending.map(card),
      );
    } catch (error) {
      replace(list, errorAlert(error, 'Could not load approvals'));
    }
  };

  return {
    element: h(
      'section',
      { 'aria-labelledby': 'approvals-heading', class: 'approvals' },
      h('h3', { id: 'approvals-heading' }, 'Waiting for your approval'),
      list,
      status,
    ),
    refresh,
  };
}
