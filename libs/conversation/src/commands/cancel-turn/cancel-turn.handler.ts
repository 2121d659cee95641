import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { terminalEventTypes } from '#soma/contracts';
import { OPEN_TURN_STATUSES, OutboxRelay, TurnEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { SessionStreamHub } from '../../streaming/session-stream.hub.js';
import { TurnCancelRequests } from '../../turns/turn-cancel-requests.js';
import { CancelTurnCommand, type CancelledTurnState } from './cancel-turn.command.js';

/** How long the answer waits for the turn's terminal event; the cancel itself does not depend on it. */
const ANSWER_WAIT_MS = 5000;

/**
 * Records the cancel (once) and tells the instances, then answers with the turn's state as soon as its terminal
 * event streams (within ANSWER_WAIT_MS; a worker that is down or frozen ends it later, as cancelled).
 */
@CommandHandler(CancelTurnCommand)
export class CancelTurnHandler implements ICommandHandler<CancelTurnCommand, CancelledTurnState> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly requests: TurnCancelRequests,
    private readonly outbox: OutboxRelay,
    private readonly hub: SessionStreamHub,
  ) {}

  async execute(command: CancelTurnCommand): Promise<CancelledTurnState> {
    const { tenantId, sessionId, turnId } = command;
    const turn = await this.find(command);
    if (!turn)
      throw new ConversationError('TURN_NOT_FOUND', `turn ${turnId} not found in session ${sessionId}`);
    if (turn.cancelRequestedAt || !OPEN_TURN_STATUSES.includes(turn.status)) return stateOf(turn);
    // Listening first: the terminal event may stream before the request's commit returns here.
    const terminal = this.terminalOf(sessionId, turnId);
    try {
      const requested = await this.dataSource.transaction((manager) =>
        this.requests.request(
          manager,
          turnId,
          { tenantId, sessionId, correlationId: command.correlationId, causationId: null },
          command.by,
        ),
      );
      if (requested) {
        // Kafka down: the outbox sweep sends it; the record already stops the turn's stream.
        await this.outbox.flush([requested.staged]).catch(() => undefined);
        await terminal.ended;
      }
    } finally {
      terminal.stop();
    }
    return stateOf((await this.find(command)) ?? turn);
  }

  /** Resolves when this instance streams the turn's terminal event, or after ANSWER_WAIT_MS. */
  private terminalOf(sessionId: string, turnId: string): { ended: Promise<void>; stop: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let unlisten: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ANSWER_WAIT_MS);
      unlisten = this.hub.listen(sessionId, (event) => {
        if (event.data.turnId === turnId && terminalEventTypes.includes(event.type)) resolve();
      });
    });
    return {
      ended,
      stop: () => {
        clearTimeout(timer);
        unlisten();
      },
    };
  }

  private find({ tenantId, sessionId, turnId }: CancelTurnCommand): Promise<TurnEntity | null> {
    return this.dataSource.getRepository(TurnEntity).findOneBy({ id: turnId, tenantId, sessionId });
  }
}

const stateOf = (turn: TurnEntity): CancelledTurnState => ({
  turnId: turn.id,
  sessionId: turn.sessionId,
  status: turn.status,
  cancelRequested: turn.cancelRequestedAt !== null,
  cancelledBy: turn.cancelledBy,
});
