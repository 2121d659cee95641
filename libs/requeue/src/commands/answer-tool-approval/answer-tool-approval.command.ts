import { Command } from '@nestjs/cqrs';
import { type ApprovalStatus } from '#soma/contracts';
import { type Actor } from '../../actor.contract.js';
import { RequeueError } from '../../requeue.errors.js';

/** A user's answer: run the call as asked, run it with other arguments, or not run it (the model reads why). */
export type ToolApprovalAnswer =
  | { decision: 'approve' }
  | { decision: 'edit'; arguments: Record<string, unknown> }
  | { decision: 'reject'; message: string };

export interface ToolApprovalAnswered {
  toolCallId: string;
  status: Extract<ApprovalStatus, 'approved' | 'edited' | 'rejected'>;
  grantId: string | null;
  auditId: string;
}

/** Answers a pending approval of the chat, once (REST, Socket.IO, CLI and console all come here). */
export class AnswerToolApprovalCommand extends Command<ToolApprovalAnswered> {
  constructor(
    readonly actor: Actor,
    readonly sessionId: string,
    readonly toolCallId: string,
    readonly answer: ToolApprovalAnswer,
    readonly correlationId: string,
  ) {
    super();
  }
}

/** An answer as a client sends it (REST body, Socket.IO payload): which fields go with which decision. */
export interface ToolApprovalAnswerInput {
  decision: ToolApprovalAnswer['decision'];
  arguments?: Record<string, unknown>;
  message?: string;
}

/** The answer a client's fields make, or APPROVAL_ANSWER_INVALID naming the field that does not fit. */
export function toolApprovalAnswer(input: ToolApprovalAnswerInput): ToolApprovalAnswer {
  const invalid = (field: string, error: string) =>
    new RequeueError('APPROVAL_ANSWER_INVALID', `${field}: ${error}`, {}, [{ field, errors: [error] }]);
  if (input.decision !== 'edit' && input.arguments !== undefined)
    throw invalid('arguments', 'arguments go only with decision edit');
  if (input.decision !== 'reject' && input.message !== undefined)
    throw invalid('message', 'a message goes only with decision reject');
  switch (input.decision) {
    case 'approve':
      return { decision: 'approve' };
    case 'edit':
      if (input.arguments === undefined) throw invalid('arguments', 'decision edit needs the new arguments');
      return { decision: 'edit', arguments: input.arguments };
    case 'reject':
      if (input.message === undefined || !/\S/.test(input.message))
        throw invalid('message', 'decision reject needs a message (the model reads it as the result)');
      return { decision: 'reject', message: input.message };
  }
}
