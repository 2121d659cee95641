export type ConversationErrorCode =
  | 'SESSION_NOT_FOUND'
  | 'MODEL_PROFILE_NOT_FOUND'
  | 'MODEL_PROFILE_NAME_TAKEN'
  | 'MODEL_PROFILE_INVALID'
  | 'MODEL_PROFILE_IN_USE'
  | 'BUDGET_EXCEEDED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'TENANT_NOT_FOUND'
  | 'TURN_NOT_FOUND'
  | 'TURN_IN_PROGRESS'
  | 'TOOL_NOT_ALLOWED';

/** Errors of the conversation context; each transport maps the code once. */
export class ConversationError extends Error {
  constructor(
    readonly code: ConversationErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
