import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PolicyGate } from '../policy.gate.js';
import { TenantPolicySettingsReader } from './tenant-policy-settings.js';
import { TenantSettingsInvalidation } from './tenant-settings.invalidation.js';
import { TenantSettingsLoader } from './tenant-settings.loader.js';

/** How often a holder of a PolicyGate compares OPA's settings revision with PostgreSQL's. */
export const SETTINGS_RECONCILE_MS = 10_000;

/**
 * In every app that asks OPA (tool executor, conversation worker): loads all tenants' settings into OPA at
 * start, reloads when OPA's revision falls behind PostgreSQL's, and forgets cached settings and decisions when
 * the gateway says a tenant's settings changed. (A restarted OPA is also caught on the first decision: see
 * OpaEngine.)
 */
@Injectable()
export class TenantSettingsSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TenantSettingsSync.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly loader: TenantSettingsLoader,
    private readonly invalidation: TenantSettingsInvalidation,
    private readonly reader: TenantPolicySettingsReader,
    private readonly gate: PolicyGate,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.invalidation
      .subscribe((tenantId) => {
        this.forget(tenantId);
      })
      .catch((error: unknown) => {
        this.logger.warn({ msg: 'no tenant settings invalidations', error: (error as Error).message });
      });
    await this.loader.loadAll().catch((error: unknown) => {
      // Not fatal: the first decision reloads (and blocks the call until it can), and so does the interval.
      this.logger.warn({
        msg: 'tenant policy settings not loaded into OPA yet',
        error: (error as Error).message,
      });
    });
    this.timer = setInterval(() => {
      this.loader.reconcile().then(
        (reloaded) => {
          if (reloaded) this.forget();
        },
        (error: unknown) => {
          this.logger.warn({ msg: 'tenant policy settings check failed', error: (error as Error).message });
        },
      );
    }, SETTINGS_RECONCILE_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private forget(tenantId?: string): void {
    this.reader.forget(tenantId);
    this.gate.invalidate();
  }
}
