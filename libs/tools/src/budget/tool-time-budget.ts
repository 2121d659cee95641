import { Injectable } from '@nestjs/common';
import { TenantBudgetEntity } from '#soma/persistence';
import { SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';

export interface ToolTimeUsage {
  /** Seconds of tool running time the tenant may use per UTC day. */
  limitSeconds: number;
  /** Seconds used today (UTC), every tool together. */
  usedSeconds: number;
}

/**
 * A tenant's daily budget of tool seconds: the running time of its calls today (UTC; queue waits, recorded
 * answers and refusals excluded), summed from `tool_calls.run_ms` in PostgreSQL, against its budget row or the
 * configured default. A call starts only while some budget is left; the call that crosses the line finishes
 * (it cannot be priced before it runs), the next one is refused with BUDGET_EXCEEDED.
 */
@Injectable()
export class ToolTimeBudget {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: SomaConfig,
  ) {}

  async usage(tenantId: string): Promise<ToolTimeUsage> {
    const [row, rows] = await Promise.all([
      this.dataSource.getRepository(TenantBudgetEntity).findOneBy({ tenantId }),
      this.dataSource.query<{ ms: string }[]>(
        `SELECT coalesce(sum(run_ms), 0)::bigint AS ms FROM tool_calls
          WHERE tenant_id = $1 AND run_ms IS NOT NULL
            AND completed_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
        [tenantId],
      ),
    ]);
    return {
      limitSeconds: row?.dailyToolSeconds ?? this.config.tenantDailyToolSeconds,
      usedSeconds: Number(rows[0]?.ms ?? 0) / 1000,
    };
  }

  /** Null while budget is left; otherwise what was used, for the BUDGET_EXCEEDED message. */
  async exhausted(tenantId: string): Promise<ToolTimeUsage | null> {
    const usage = await this.usage(tenantId);
    return usage.usedSeconds >= usage.limitSeconds ? usage : null;
  }
}

export function budgetMessage(usage: ToolTimeUsage): string {
  return (
    `the tenant's daily tool time is used up: ${usage.usedSeconds.toFixed(1)} s of ${usage.limitSeconds} s ` +
    'today (UTC); it resets at midnight UTC, or an operator raises dailyToolSeconds'
  );
}

/** Seconds until the budget resets (the next UTC midnight): the Retry-After of a refused call. */
export function secondsUntilReset(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}
