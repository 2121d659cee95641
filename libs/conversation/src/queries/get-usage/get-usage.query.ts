import { Query } from '@nestjs/cqrs';
import { type PageRequest } from '#soma/persistence';

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
  /** Over every session of the tenant (or the one asked for), not just this page. */
  total: Omit<SessionUsage, 'sessionId'>;
  /** Per session, by session id, a page at a time. */
  items: SessionUsage[];
  /** Key (session id) of the page's last session when more follow. */
  next: string[] | null;
}

/** Token usage of the caller's tenant from the ledger, per session (optionally one session). */
export class GetUsageQuery extends Query<UsageReport> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string | null,
    readonly page: PageRequest,
  ) {
    super();
  }
}
