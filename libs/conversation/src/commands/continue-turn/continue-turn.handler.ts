import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type EnvelopeContext } from '#soma/contracts';
import { SessionEntity } from '#soma/persistence';
import { AppIdentity, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { TurnContextBuilder } from '../../history/turn-context.builder.js';
import { OutboundEventsPublisher } from '../../streaming/outbound-events.publisher.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { TurnRunner } from '../../turns/turn.runner.js';
import { type RunTurnOutcome } from '../run-turn/run-turn.command.js';
import { ContinueTurnCommand } from './continue-turn.command.js';
import { blockedReasons, describeToolResult } from './tool-result.js';

/**
 * Resumes the turn that waits for this result; a result no turn waits for (an explicit user call, or a call an
 * admin approved later) starts a new turn. Either way the result is streamed and the model continues with it.
 */
@CommandHandler(ContinueTurnCommand)
export class ContinueTurnHandler implements ICommandHandler<ContinueTurnCommand, RunTurnOutcome> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly turns: TurnRepository,
    private readonly contexts: TurnContextBuilder,
    private readonly events: OutboundEventsPublisher,
    private readonly runner: TurnRunner,
    private readonly identity: AppIdentity,
    private readonly config: SomaConfig,
  ) {}

  async execute({ envelope }: ContinueTurnCommand): Promise<RunTurnOutcome> {
    const result = envelope.payload;
    if (await this.turns.seenEvent(envelope.eventId)) return 'skipped';
    const [owner, lease] = [this.identity.instanceId, this.config.turnLeaseMs];
    const resumed = result.turnId
      ? await this.turns.resumeFromTool(result.turnId, result.toolCallId, owner, lease)
      : undefined;
    const turn =
      resumed ?? (await this.turns.startToolTurn(envelope.tenantId, envelope.sessionId, owner, lease));
    const started = performance.now();
    const ctx: EnvelopeContext = { ...envelope, causationId: envelope.eventId };
    const stream = this.events.turnStream(ctx, turn.id, this.config.tokenCoalesceMs);
    if (!resumed) stream.enqueue(() => this.events.publish(ctx, 'turn.started', { turnId: turn.id }));
    await this.turns.addToolResult(turn, describeToolResult(result), result.toolCallId, envelope.eventId);
    const { toolCallId, tool } = result;
    stream.enqueue(() =>
      result.status === 'blocked'
        ? this.events.publish(ctx, 'tool.blocked', {
            turnId: turn.id,
            toolCallId,
            tool,
            reasons: blockedReasons(result),
          })
        : this.events.publish(ctx, 'tool.completed', {
            turnId: turn.id,
            toolCallId,
            tool,
            status: result.status,
            output: result.output,
          }),
    );
    const session = await this.dataSource
      .getRepository(SessionEntity)
      .findOneByOrFail({ id: turn.sessionId });
    const context = await this.contexts.build(turn, session.modelProfileId);
    const principal = { role: 'user' as const, keyId: null };
    return this.runner.run({ turn, ctx, context, stream, started, principal, toolsAllowed: false });
  }
}
