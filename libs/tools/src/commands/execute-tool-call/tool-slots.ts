import { Injectable } from '@nestjs/common';
import { FairScheduler, SomaConfig, tenantShare } from '#soma/platform';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Gauge, Histogram } from 'prom-client';

/**
 * The executor's tool slots: SOMA_TOOL_CONCURRENCY calls run at once, at most SOMA_TOOL_TENANT_CONCURRENCY of
 * them for one tenant, and a freed slot goes to the waiting tenant served least recently (FairScheduler). One
 * tenant's flood of long calls therefore waits behind itself while other tenants' calls start at once.
 */
@Injectable()
export class ToolSlots {
  private readonly scheduler: FairScheduler;

  constructor(
    config: SomaConfig,
    @InjectMetric('tool_queue_wait_seconds') private readonly wait: Histogram,
    @InjectMetric('tool_calls_waiting') private readonly waiting: Gauge,
  ) {
    this.scheduler = new FairScheduler({
      slots: config.toolConcurrency,
      perTenant: tenantShare(config.toolConcurrency, config.toolTenantConcurrency),
    });
  }

  /** Runs `work` in a slot of the tenant's; rejects with the signal's reason if it aborts while waiting. */
  async run<T>(tenantId: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const queued = performance.now();
    this.waiting.inc();
    let release: () => void;
    try {
      release = await this.scheduler.acquire(tenantId, signal);
    } finally {
      this.waiting.dec();
      this.wait.observe((performance.now() - queued) / 1000);
    }
    try {
      return await work();
    } finally {
      release();
    }
  }
}
