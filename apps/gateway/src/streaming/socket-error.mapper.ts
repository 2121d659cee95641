import { assertUnreachable, type StreamErrorFrame } from '#soma/contracts';
import { ConversationError, type ConversationErrorCode } from '#soma/conversation';
import { IdentityError, type IdentityErrorCode } from '#soma/identity';
import { RequeueError, type RequeueErrorCode } from '#soma/requeue';

export interface MappedSocketError {
  frame: StreamErrorFrame;
  /** Authentication failures end the connection; anything else leaves it usable. */
  disconnect: boolean;
}

function disconnectsOnConversation(code: ConversationErrorCode): boolean {
  switch (code) {
    case 'SESSION_NOT_FOUND':
    case 'MODEL_PROFILE_NOT_FOUND':
    case 'MODEL_PROFILE_NAME_TAKEN':
    case 'MODEL_PROFILE_INVALID':
    case 'MODEL_PROFILE_IN_USE':
    case 'BUDGET_EXCEEDED':
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'TENANT_NOT_FOUND':
    case 'TURN_NOT_FOUND':
    case 'TURN_IN_PROGRESS':
    case 'TOOL_NOT_ALLOWED':
      return false;
    default:
      return assertUnreachable(code);
  }
}

function disconnectsOnIdentity(code: IdentityErrorCode): boolean {
  switch (code) {
    case 'API_KEY_MISSING':
    case 'API_KEY_INVALID':
      return true;
    case 'ADMIN_ROLE_REQUIRED':
    case 'OPERATOR_REQUIRED':
    case 'API_KEY_NOT_FOUND':
    case 'TENANT_NAME_TAKEN':
    case 'API_KEY_LAST_ADMIN':
      return false;
    default:
      return assertUnreachable(code);
  }
}

/** Socket.IO answers requeue codes only for approvals in the chat; none of them ends the connection. */
function disconnectsOnRequeue(code: RequeueErrorCode): boolean {
  switch (code) {
    case 'APPROVAL_NOT_FOUND':
    case 'APPROVAL_ALREADY_ANSWERED':
    case 'APPROVAL_EXPIRED':
    case 'APPROVAL_ANSWER_INVALID':
    case 'REQUEUE_ITEM_NOT_FOUND':
    case 'REQUEUE_ITEM_NOT_PENDING':
    case 'REQUEUE_DECISION_FINAL':
    case 'DEAD_LETTER_NOT_FOUND':
    case 'DEAD_LETTER_ALREADY_REPLAYED':
    case 'DEAD_LETTER_NOT_REPLAYABLE':
    case 'AUDIT_CHAIN_NOT_FOUND':
      return false;
    default:
      return assertUnreachable(code);
  }
}

/** The one mapping from errors to Socket.IO error frames (the socket counterpart of HttpErrorFilter). */
export function toSocketError(error: unknown): MappedSocketError {
  if (error instanceof ConversationError) {
    return {
      frame: { code: error.code, message: error.message },
      disconnect: disconnectsOnConversation(error.code),
    };
  }
  if (error instanceof IdentityError) {
    return {
      frame: { code: error.code, message: error.message },
      disconnect: disconnectsOnIdentity(error.code),
    };
  }
  if (error instanceof RequeueError) {
    const fields = error.fields.length > 0 ? { fields: [...error.fields] } : {};
    return {
      frame: { code: error.code, message: error.message, ...fields },
      disconnect: disconnectsOnRequeue(error.code),
    };
  }
  return { frame: { code: 'INTERNAL_ERROR', message: 'internal error' }, disconnect: false };
}
