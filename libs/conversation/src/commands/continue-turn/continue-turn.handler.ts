import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type ToolCallFinished } from '#soma/contracts';
import { AppIdentity, persist, SomaConfig } from '#soma/platform';
import { type OutboundEvent } from '../../streaming/session-event.journal.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { type RunTurnOutcome } from '../run-turn/run-turn.command.js';
import { TurnDriver } from '../run-turn/turn-driver.js';
import { ContinueTurnCommand } from './continue-turn.command.js';
import { blockedReasons, describeToolResult } from './tool-result.js';

const USER = { role: 'user' as const, keyId: null };

const streamed =
  (result: ToolCallFinished) =>
  (turnId: string): OutboundEvent => {
    const { toolCallId, tool } = result;
    return result.status === 'blocked'
      ? { type: 'tool.blocked', payload: { turnId, toolCallId, tool, reasons: blockedReasons(result) } }
      : {
          type: 'tool.completed',
          payload: { turnId, toolCallId, tool, status: result.status, output: result.output },
        };
  };

/**
 * Resumes the turn that waits for this result, or starts a new turn when none does (an explicit user call, or a
 * call an admin approved later), in one transaction keyed by the result's event id; then the model continues.
 * A redelivered result finds the turn it continued, and takes it over if its run was lost. The result of a call
 * withdrawn by a cancel continues nothing.
 */
@CommandHandler(ContinueTurnCommand)
export class ContinueTurnHandler implements ICommandHandler<ContinueTurnCommand, RunTurnOutcome> {
  constructor(
    private readonly turns: TurnRepository,
    private readonly driver: TurnDriver,
    private readonly identity: AppIdentity,
    private readonly config: SomaConfig,
  ) {}

  async execute({ envelope, heartbeat }: ContinueTurnCommand): Promise<RunTurnOutcome> {
    const result = envelope.payload;
    const ctx = { ...envelope, causationId: envelope.eventId };
    const continued = {
      ...result,
      eventId: envelope.eventId,
      content: describeToolResult(result),
      event: streamed(result),
    };
    const held = await persist(() =>
      this.turns.continueWithResult(continued, ctx, this.identity.instanceId, this.config.turnLeaseMs),
    );
    if (held) return this.driver.drive(held, ctx, USER);
    // A redelivery finds the turn it continued; a result for a turn being cancelled finds that turn, which the
    // driver then ends (it is never continued).
    const turnId = (await persist(() => this.turns.turnOfResult(envelope.eventId)))?.id ?? result.turnId;
    const again = turnId ? await this.driver.acquire(turnId, ctx, heartbeat) : undefined;
    return again ? this.driver.drive(again, ctx, USER) : 'skipped';
  }
}
