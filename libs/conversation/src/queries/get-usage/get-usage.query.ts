import { Query } from '@nestjs/cqrs';

export interface SessionUsage {
  sessionId: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cost: number;
  turns: number;
}

export interface UsageReport {
  tenantId: string;
  day: string;
  dailyTokenBudget: number;
  sessionTokenCap: number;
  /** Ledger total of the day (finished turns). */
  usedToday: number;
  /** Tool running time today (UTC) against the tenant's daily tool seconds. */
  tools: { dailyToolSeconds: number; usedSecondsToday: number };
  total: Omit<SessionUsage, 'sessionId'>;
  sessions: SessionUsage[];
}

/** Token usage of the caller's tenant from the ledger, per session (optionally one session). */
export class GetUsageQuery extends Query<UsageReport> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string | null,
  ) {
    super();
  }
}
