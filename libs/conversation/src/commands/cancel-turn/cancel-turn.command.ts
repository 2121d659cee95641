import { Command } from '@nestjs/cqrs';
import { type Canceller } from '#soma/contracts';
import { type TurnStatus } from '#soma/persistence';

/** A turn's state as a cancel answers it: final, or still ending when its run has not stopped yet. */
export interface CancelledTurnState {
  turnId: string;
  sessionId: string;
  status: TurnStatus;
  cancelRequested: boolean;
  cancelledBy: Canceller | null;
}

/** Cancel a turn of a session of the caller's tenant (idempotent: an ended turn answers with its state). */
export class CancelTurnCommand extends Command<CancelledTurnState> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly turnId: string,
    readonly by: Canceller,
    readonly correlationId: string,
  ) {
    super();
  }
}
