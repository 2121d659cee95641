import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RecoverTurnsCommand } from '#soma/conversation';
import { SomaConfig } from '#soma/platform';

/** Every instance looks for turns whose run is gone: it resumes them, or ends them with exactly one terminal event. */
@Injectable()
export class TurnWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TurnWatchdog.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly config: SomaConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.min(2000, Math.max(500, Math.floor(this.config.turnLeaseMs / 4)));
    this.timer = setInterval(() => {
      void this.tick();
    }, every);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const acted = await this.commandBus.execute(new RecoverTurnsCommand());
      if (acted > 0) this.logger.warn({ msg: 'recovered turns of a lost run', acted });
    } catch (error) {
      this.logger.error({ msg: 'watchdog failed', error: (error as Error).message });
    } finally {
      this.running = false;
    }
  }
}
