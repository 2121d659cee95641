import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { SomaConfig } from '../config/soma.config.js';
import { HealthRegistry } from '../health/health.registry.js';

/** The app's Redis connection (hot state: replay log, counters, rate limits, caches). */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(config: SomaConfig, health: HealthRegistry) {
    this.client = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
    health.register('redis', async () => {
      await this.client.ping();
    });
  }

  /** A second connection for blocking or subscribe-mode commands. */
  duplicate(): Redis {
    return this.client.duplicate();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => undefined);
  }
}
