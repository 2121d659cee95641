/** Why a requeue, dead-letter or chat-approval request was refused (HTTP maps these once, in the gateway's error filter). */
export type RequeueErrorCode =
  | 'REQUEUE_ITEM_NOT_FOUND'
  | 'REQUEUE_ITEM_NOT_PENDING'
  /** A deny the actor may not override (a tenant admin never overrides one; the operator only overridable ones). */
  | 'REQUEUE_DECISION_FINAL'
  | 'DEAD_LETTER_NOT_FOUND'
  | 'DEAD_LETTER_ALREADY_REPLAYED'
  | 'DEAD_LETTER_NOT_REPLAYABLE'
  | 'APPROVAL_NOT_FOUND'
  | 'APPROVAL_ALREADY_ANSWERED'
  | 'APPROVAL_EXPIRED'
  | 'APPROVAL_ANSWER_INVALID'
  /** Another tenant's audit chain (or the platform's) asked for by a tenant admin: as if it did not exist. */
  | 'AUDIT_CHAIN_NOT_FOUND';

export interface FieldError {
  field: string;
  errors: string[];
}

/** Errors of the requeue context: a code, a message safe to show, and safe metadata. */
export class RequeueError extends Error {
  constructor(
    readonly code: RequeueErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
    /** Which input fields were wrong (a bad edit of an approval's arguments), for 400s and error frames. */
    readonly fields: readonly FieldError[] = [],
  ) {
    super(message);
  }
}
