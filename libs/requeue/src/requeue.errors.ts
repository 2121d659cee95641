/** Why a requeue or dead-letter request was refused (HTTP maps these once, in the gateway's error filter). */
export type RequeueErrorCode =
  | 'REQUEUE_ITEM_NOT_FOUND'
  | 'REQUEUE_ITEM_NOT_PENDING'
  | 'DEAD_LETTER_NOT_FOUND'
  | 'DEAD_LETTER_ALREADY_REPLAYED'
  | 'DEAD_LETTER_NOT_REPLAYABLE';

/** Errors of the requeue context: a code, a message safe to show, and safe metadata. */
export class RequeueError extends Error {
  constructor(
    readonly code: RequeueErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
