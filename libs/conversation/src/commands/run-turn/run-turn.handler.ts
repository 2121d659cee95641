import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Topics, type EnvelopeContext } from '#soma/contracts';
import { LlmProvider } from '#soma/llm';
import { MessageEntity, OutboxRelay, TurnEntity } from '#soma/persistence';
import { SomaConfig } from '#soma/platform';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomUUID } from 'node:crypto';
import { Counter, Histogram } from 'prom-client';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { OutboundEventsPublisher } from '../../streaming/outbound-events.publisher.js';
import { RunTurnCommand, type RunTurnOutcome } from './run-turn.command.js';
import { buildTurnContext } from './turn-context.js';

/** Claims a queued turn, streams the model's reply as deltas, then persists it and ends the turn once. */
@CommandHandler(RunTurnCommand)
export class RunTurnHandler implements ICommandHandler<RunTurnCommand, RunTurnOutcome> {
  private readonly logger = new Logger(RunTurnHandler.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly events: OutboundEventsPublisher,
    private readonly llm: LlmProvider,
    private readonly config: SomaConfig,
    @InjectMetric('conversation_requests_total') private readonly requests: Counter,
    @InjectMetric('conversation_latency_seconds') private readonly latency: Histogram,
    @InjectMetric('conversation_time_to_first_token_seconds') private readonly ttft: Histogram,
    @InjectMetric('llm_tokens_generated_total') private readonly tokens: Counter,
  ) {}

  async execute({ envelope }: RunTurnCommand): Promise<RunTurnOutcome> {
    const { turnId } = envelope.payload;
    const context: EnvelopeContext = {
      tenantId: envelope.tenantId,
      sessionId: envelope.sessionId,
      correlationId: envelope.correlationId,
      causationId: envelope.eventId,
    };
    const turn = await this.claim(turnId, envelope.tenantId);
    if (!turn) return 'skipped';
    const started = performance.now();
    await this.events.publish(context, 'turn.started', { turnId });
    const stream = this.events.tokenStream(context, turnId, this.config.tokenCoalesceMs);
    try {
      const history = await this.history(turn);
      let first = true;
      const result = await this.llm.generate({
        messages: buildTurnContext(this.config.systemPrompt, history),
        maxTokens: this.config.llmMaxTokens,
        onDelta: (delta) => {
          if (first) this.ttft.observe((performance.now() - started) / 1000);
          first = false;
          stream.push(delta);
        },
      });
      const text = await stream.close();
      await this.complete(turn, context, text, result.promptTokens, result.completionTokens);
      this.tokens.inc(result.completionTokens);
      this.requests.inc({ result: 'completed' });
      return 'completed';
    } catch (error) {
      this.logger.error({ msg: 'turn failed', turnId, error: (error as Error).message });
      await stream.close().catch(() => undefined);
      await this.fail(turn, context, 'GENERATION_FAILED', (error as Error).message);
      this.requests.inc({ result: 'failed' });
      return 'failed';
    } finally {
      this.latency.observe((performance.now() - started) / 1000);
    }
  }

  /** Atomically moves a queued turn to running; a redelivered or already-handled turn is skipped. */
  private async claim(turnId: string, tenantId: string): Promise<TurnEntity | undefined> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(TurnEntity)
      .set({ status: 'running', startedAt: () => 'now()' })
      .where('id = :turnId AND tenant_id = :tenantId AND status = :status', {
        turnId,
        tenantId,
        status: 'queued',
      })
      .returning('*')
      .execute();
    const row = (result.raw as Record<string, unknown>[])[0];
    if (!row) return undefined;
    return this.dataSource.getRepository(TurnEntity).findOneByOrFail({ id: turnId });
  }

  private async history(turn: TurnEntity): Promise<MessageEntity[]> {
    const repository = this.dataSource.getRepository(MessageEntity);
    const own = await repository.findOneByOrFail({ id: turn.userMessageId });
    return repository.find({
      where: { sessionId: turn.sessionId, position: LessThanOrEqual(own.position) },
      order: { position: 'ASC' },
    });
  }

  private async complete(
    turn: TurnEntity,
    context: EnvelopeContext,
    text: string,
    prompt: number,
    completion: number,
  ) {
    const messageId = randomUUID();
    const usage = { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
    const envelope = await this.events.prepare(context, 'turn.completed', {
      turnId: turn.id,
      messageId,
      usage,
    });
    const outboxId = await this.dataSource.transaction(async (manager) => {
      await manager.insert(MessageEntity, {
        id: messageId,
        tenantId: turn.tenantId,
        sessionId: turn.sessionId,
        turnId: turn.id,
        role: 'assistant',
        content: text,
      });
      await manager.update(
        TurnEntity,
        { id: turn.id },
        {
          status: 'completed',
          assistantMessageId: messageId,
          promptTokens: prompt,
          completionTokens: completion,
          completedAt: new Date(),
        },
      );
      return this.outbox.stage(manager, Topics.conversationOutbound, envelope);
    });
    await this.outbox.flush([outboxId]);
  }

  private async fail(
    turn: TurnEntity,
    context: EnvelopeContext,
    code: string,
    message: string,
  ): Promise<void> {
    const envelope = await this.events.prepare(context, 'turn.failed', { turnId: turn.id, code, message });
    const outboxId = await this.dataSource.transaction(async (manager) => {
      await manager.update(
        TurnEntity,
        { id: turn.id },
        {
          status: 'failed',
          errorCode: code,
          errorMessage: message,
          completedAt: new Date(),
        },
      );
      return this.outbox.stage(manager, Topics.conversationOutbound, envelope);
    });
    await this.outbox.flush([outboxId]);
  }
}
