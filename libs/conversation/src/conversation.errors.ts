export type ConversationErrorCode =
  'SESSION_NOT_FOUND' | 'TURN_NOT_FOUND' | 'MODEL_UNAVAILABLE' | 'GENERATION_FAILED';

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
