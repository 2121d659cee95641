import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { toPage, UsageLedgerEntity } from '#soma/persistence';
import { ToolTimeBudget } from '#soma/tools';
import { DataSource } from 'typeorm';
import { budgetDay } from '../../budget/token-budget.js';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { GetUsageQuery, type SessionUsage, type UsageReport } from './get-usage.query.js';

interface Sums {
  prompt: string;
  completion: string;
  cost: string;
  turns: string;
}

interface Row extends Sums {
  session_id: string;
}

const totals = (r: Sums | undefined): Omit<SessionUsage, 'sessionId'> => ({
  promptTokens: Number(r?.prompt ?? 0),
  completionTokens: Number(r?.completion ?? 0),
  totalTokens: Number(r?.prompt ?? 0) + Number(r?.completion ?? 0),
  cost: Number(r?.cost ?? 0),
  turns: Number(r?.turns ?? 0),
});

@QueryHandler(GetUsageQuery)
export class GetUsageHandler implements IQueryHandler<GetUsageQuery, UsageReport> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly budgets: TokenBudgetRepository,
    private readonly toolTime: ToolTimeBudget,
  ) {}

  async execute({ tenantId, sessionId, page }: GetUsageQuery): Promise<UsageReport> {
    const day = budgetDay();
    const ledger = () => {
      const query = this.dataSource
        .getRepository(UsageLedgerEntity)
        .createQueryBuilder('u')
        .select('COALESCE(SUM(u.prompt_tokens), 0)', 'prompt')
        .addSelect('COALESCE(SUM(u.completion_tokens), 0)', 'completion')
        .addSelect('COALESCE(SUM(u.cost), 0)', 'cost')
        .addSelect('COUNT(*)', 'turns')
        .where('u.tenant_id = :tenantId', { tenantId });
      if (sessionId) query.andWhere('u.session_id = :sessionId', { sessionId });
      return query;
    };
    const perSession = ledger().addSelect('u.session_id', 'session_id').groupBy('u.session_id');
    if (page.after) perSession.andWhere('u.session_id > CAST(:after AS uuid)', { after: page.after[0] });
    const [rows, sums, today, limits, toolTime] = await Promise.all([
      perSession
        .orderBy('u.session_id', 'ASC')
        .limit(page.limit + 1)
        .getRawMany<Row>(),
      ledger().getRawOne<Sums>(),
      this.dataSource
        .getRepository(UsageLedgerEntity)
        .createQueryBuilder('u')
        .select('COALESCE(SUM(u.prompt_tokens + u.completion_tokens), 0)', 'sum')
        .where('u.tenant_id = :tenantId AND u.day = :day', { tenantId, day })
        .getRawOne<{ sum: string }>(),
      this.budgets.limits(tenantId),
      this.toolTime.usage(tenantId),
    ]);
    const sessions = toPage(
      rows,
      page.limit,
      (r) => [r.session_id],
      (r): SessionUsage => ({ sessionId: r.session_id, ...totals(r) }),
    );
    return {
      tenantId,
      day,
      ...limits,
      usedToday: Number(today?.sum ?? 0),
      tools: { dailyToolSeconds: toolTime.limitSeconds, usedSecondsToday: toolTime.usedSeconds },
      total: totals(sums),
      items: sessions.items,
      next: sessions.next,
    };
  }
}
