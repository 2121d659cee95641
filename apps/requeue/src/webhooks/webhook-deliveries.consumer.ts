import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SomaConfig } from '#soma/platform';
import { DeliverDueWebhooksCommand } from '#soma/webhooks';

const BATCH = 16;

/**
 * Consumes the webhooks' outbox (the deliveries table, not Kafka): claims what is due, every SOMA_WEBHOOK_POLL_MS,
 * or at once again while batches come back full. Any number of instances may run it (SKIP LOCKED claims).
 */
@Injectable()
export class WebhookDeliveriesConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveriesConsumer.name);
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly config: SomaConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.commandBus.execute(new DeliverDueWebhooksCommand(BATCH));
      } catch (error) {
        this.logger.warn({ msg: 'webhook delivery round failed', error: (error as Error).message });
      }
      if (claimed < BATCH) await this.pause(this.config.webhookPollMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
