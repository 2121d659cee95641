import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type EnvelopeContext } from '#soma/contracts';
import { SessionEntity } from '#soma/persistence';
import { AppIdentity, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { TurnContextBuilder } from '../../history/turn-context.builder.js';
import { OutboundEventsPublisher } from '../../streaming/outbound-events.publisher.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { TurnRunner } from '../../turns/turn.runner.js';
import { RunTurnCommand, type RunTurnOutcome } from './run-turn.command.js';

/** Claims a queued turn, announces it, builds its context, and runs its first generation step. */
@CommandHandler(RunTurnCommand)
export class RunTurnHandler implements ICommandHandler<RunTurnCommand, RunTurnOutcome> {
  private readonly logger = new Logger(RunTurnHandler.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly turns: TurnRepository,
    private readonly contexts: TurnContextBuilder,
    private readonly events: OutboundEventsPublisher,
    private readonly runner: TurnRunner,
    private readonly identity: AppIdentity,
    private readonly config: SomaConfig,
  ) {}

  async execute({ envelope }: RunTurnCommand): Promise<RunTurnOutcome> {
    const turn = await this.turns.claim(
      envelope.payload.turnId,
      envelope.tenantId,
      this.identity.instanceId,
      this.config.turnLeaseMs,
    );
    if (!turn) return 'skipped';
    const started = performance.now();
    const ctx: EnvelopeContext = { ...envelope, causationId: envelope.eventId };
    const stream = this.events.turnStream(ctx, turn.id, this.config.tokenCoalesceMs);
    stream.enqueue(() => this.events.publish(ctx, 'turn.started', { turnId: turn.id }));
    const principal = envelope.payload.principal ?? { role: 'user' as const, keyId: null };
    const base = { turn, ctx, stream, started, principal, toolsAllowed: true };
    try {
      const session = await this.dataSource
        .getRepository(SessionEntity)
        .findOneByOrFail({ id: turn.sessionId });
      const context = await this.contexts.build(turn, session.modelProfileId);
      return await this.runner.run({ ...base, context });
    } catch (error) {
      this.logger.error({ msg: 'turn could not start', turnId: turn.id, error: (error as Error).message });
      await stream.close().catch(() => undefined);
      const usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      return this.runner.fail(base, 'GENERATION_FAILED', (error as Error).message, usage);
    }
  }
}
