import { Query } from '@nestjs/cqrs';

/** The turn a client resuming a session's reply reads, and the seq to read its events after. */
export interface OpenTurnStream {
  turnId: string;
  /** Before the turn's first event (or the session's head when it has none yet). */
  afterSeq: number;
}

/** The session's open turn that runs first (a running one before queued ones), or null when none is open. */
export class GetOpenTurnQuery extends Query<OpenTurnStream | null> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
  ) {
    super();
  }
}
