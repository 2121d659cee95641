import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { RedisService } from '#soma/platform';
import { type Redis } from 'ioredis';

export const TENANT_SETTINGS_CHANNEL = 'soma:policy:tenant-settings';

/**
 * "A tenant's policy settings changed": Redis pub/sub from the gateway to every holder of a PolicyGate, which
 * then forgets its cached settings and decisions. Best effort by design: a missed message costs at most the
 * decision cache's TTL, because every holder also compares OPA's revision with PostgreSQL's on a short interval.
 */
@Injectable()
export class TenantSettingsInvalidation implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantSettingsInvalidation.name);
  private subscriber: Redis | undefined;

  constructor(private readonly redis: RedisService) {}

  async publish(tenantId: string): Promise<void> {
    await this.redis.client.publish(TENANT_SETTINGS_CHANNEL, tenantId);
  }

  async subscribe(onChange: (tenantId: string) => void): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, tenantId: string) => {
      if (channel === TENANT_SETTINGS_CHANNEL) onChange(tenantId);
    });
    subscriber.on('error', (error: Error) => {
      this.logger.warn({ msg: 'tenant settings subscription failed; retrying', error: error.message });
    });
    await subscriber.subscribe(TENANT_SETTINGS_CHANNEL);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }
}
