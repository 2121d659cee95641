import { type ToolCallRequested } from '#soma/contracts';
import { type ToolSet } from '#soma/tools';
import { type ApprovalAnswer } from '../../approvals/tool-approval.repository.js';
import { RequeueError } from '../../requeue.errors.js';
import { type ToolApprovalAnswer } from './answer-tool-approval.command.js';

/** What an answer does: the call to run (approve, edit) or the message the model reads (reject). */
export type PlannedAnswer =
  { status: 'approved' | 'edited'; run: Record<string, unknown> } | { status: 'rejected'; message: string };

/** Edited arguments are checked against the tool's schema first: a bad edit is refused (400) and answers nothing. */
export function planAnswer(
  request: ToolCallRequested,
  answer: ToolApprovalAnswer,
  tools: ToolSet,
): PlannedAnswer {
  switch (answer.decision) {
    case 'approve':
      return { status: 'approved', run: request.arguments };
    case 'reject':
      return { status: 'rejected', message: answer.message };
    case 'edit': {
      const checked = tools.check(request.tool, answer.arguments);
      if (checked.ok) return { status: 'edited', run: answer.arguments };
      const fields = checked.errors.map((error) => ({
        field: `arguments${error.path.replaceAll('/', '.')}`,
        errors: [error.message],
      }));
      throw new RequeueError('APPROVAL_ANSWER_INVALID', checked.message, {}, fields);
    }
  }
}

export function recordedAnswer(planned: PlannedAnswer, actorKeyId: string): ApprovalAnswer {
  return {
    status: planned.status,
    answeredBy: actorKeyId,
    answerArguments: planned.status === 'edited' ? planned.run : null,
    answerMessage: planned.status === 'rejected' ? planned.message : null,
  };
}
