import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { UsageLedgerEntity } from '#soma/persistence';
import { ToolTimeBudget } from '#soma/tools';
import { DataSource } from 'typeorm';
import { budgetDay } from '../../budget/token-budget.js';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { GetUsageQuery, type SessionUsage, type UsageReport } from './get-usage.query.js';

interface Row {
  session_id: string;
  prompt: string;
  completion: string;
  cost: string;
  turns: string;
}

@QueryHandler(GetUsageQuery)
export class GetUsageHandler implements IQueryHandler<GetUsageQuery, UsageReport> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly budgets: TokenBudgetRepository,
    private readonly toolTime: ToolTimeBudget,
  ) {}

  async execute({ tenantId, sessionId }: GetUsageQuery): Promise<UsageReport> {
    const day = budgetDay();
    const query = this.dataSource
      .getRepository(UsageLedgerEntity)
      .createQueryBuilder('u')
      .select('u.session_id', 'session_id')
      .addSelect('SUM(u.prompt_tokens)', 'prompt')
      .addSelect('SUM(u.completion_tokens)', 'completion')
      .addSelect('SUM(u.cost)', 'cost')
      .addSelect('COUNT(*)', 'turns')
      .where('u.tenant_id = :tenantId', { tenantId })
      .groupBy('u.session_id')
      .orderBy('u.session_id');
    if (sessionId) query.andWhere('u.session_id = :sessionId', { sessionId });
    const [rows, today, limits, toolTime] = await Promise.all([
      query.getRawMany<Row>(),
      this.dataSource
        .getRepository(UsageLedgerEntity)
        .createQueryBuilder('u')
        .select('COALESCE(SUM(u.prompt_tokens + u.completion_tokens), 0)', 'sum')
        .where('u.tenant_id = :tenantId AND u.day = :day', { tenantId, day })
        .getRawOne<{ sum: string }>(),
      this.budgets.limits(tenantId),
      this.toolTime.usage(tenantId),
    ]);
    const sessions: SessionUsage[] = rows.map((r) => ({
      sessionId: r.session_id,
      promptTokens: Number(r.prompt),
      completionTokens: Number(r.completion),
      totalTokens: Number(r.prompt) + Number(r.completion),
      cost: Number(r.cost),
      turns: Number(r.turns),
    }));
    const sum = (key: 'promptTokens' | 'completionTokens' | 'totalTokens' | 'cost' | 'turns') =>
      sessions.reduce((total, s) => total + s[key], 0);
    return {
      tenantId,
      day,
      ...limits,
      usedToday: Number(today?.sum ?? 0),
      tools: { dailyToolSeconds: toolTime.limitSeconds, usedSecondsToday: toolTime.usedSeconds },
      total: {
        promptTokens: sum('promptTokens'),
        completionTokens: sum('completionTokens'),
        totalTokens: sum('totalTokens'),
        cost: sum('cost'),
        turns: sum('turns'),
      },
      sessions,
    };
  }
}
