import { Injectable } from '@nestjs/common';
import { TenantBudgetEntity, UsageLedgerEntity } from '#soma/persistence';
import { RedisService, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { budgetDay, type BudgetLimits, type BudgetUsage } from './token-budget.js';

const DAY_S = 86_400;
const tenantKey = (tenantId: string, day: string) => `soma:budget:tenant:${tenantId}:${day}`;
const sessionKey = (sessionId: string) => `soma:budget:session:${sessionId}`;
const turnKey = (turnId: string) => `soma:budget:turn:${turnId}`;

// Checks both limits and reserves atomically; remembers the reservation so settle() can correct it.
const RESERVE = `
local t = tonumber(redis.call('get', KEYS[1]) or '0')
local s = tonumber(redis.call('get', KEYS[2]) or '0')
local amount = tonumber(ARGV[1])
if t + amount > tonumber(ARGV[2]) or s + amount > tonumber(ARGV[3]) then return 0 end
redis.call('incrby', KEYS[1], amount)
redis.call('expire', KEYS[1], tonumber(ARGV[4]))
redis.call('incrby', KEYS[2], amount)
redis.call('expire', KEYS[2], tonumber(ARGV[5]))
redis.call('set', KEYS[3], ARGV[6] .. ':' .. amount, 'EX', tonumber(ARGV[4]))
return 1`;

/**
 * Token budgets: reservations and running totals in Redis (hot, atomic), real usage in the PostgreSQL ledger
 * (the source of truth, from which the counters are rebuilt when Redis lost them).
 */
@Injectable()
export class TokenBudgetRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisService,
    private readonly config: SomaConfig,
  ) {}

  async limits(tenantId: string): Promise<BudgetLimits> {
    const row = await this.dataSource.getRepository(TenantBudgetEntity).findOneBy({ tenantId });
    return {
      dailyTokenBudget: row?.dailyTokenBudget ?? this.config.tenantDailyTokenBudget,
      sessionTokenCap: row?.sessionTokenCap ?? this.config.sessionTokenCap,
    };
  }

  async usage(tenantId: string, sessionId: string, day = budgetDay()): Promise<BudgetUsage> {
    const [tenantToday, session] = await Promise.all([
      this.counter(tenantKey(tenantId, day), 2 * DAY_S, { tenantId, day }),
      this.counter(sessionKey(sessionId), 30 * DAY_S, { sessionId }),
    ]);
    return { tenantToday, session };
  }

  async reserve(tenantId: string, sessionId: string, turnId: string, amount: number, limits: BudgetLimits) {
    const day = budgetDay();
    await this.usage(tenantId, sessionId, day);
    const ok = await this.redis.client.eval(
      RESERVE,
      3,
      tenantKey(tenantId, day),
      sessionKey(sessionId),
      turnKey(turnId),
      amount,
      limits.dailyTokenBudget,
      limits.sessionTokenCap,
      2 * DAY_S,
      30 * DAY_S,
      day,
    );
    return ok === 1;
  }

  /** Replaces a turn's reservation by what it really used (0 releases it). Safe to call twice. */
  async settle(tenantId: string, sessionId: string, turnId: string, actual: number): Promise<void> {
    const reservation = await this.redis.client.getdel(turnKey(turnId));
    if (!reservation) return;
    const [day = budgetDay(), reserved = '0'] = reservation.split(':');
    const delta = actual - Number(reserved);
    if (delta === 0) return;
    await this.redis.client
      .multi()
      .incrby(tenantKey(tenantId, day), delta)
      .incrby(sessionKey(sessionId), delta)
      .exec();
  }

  private async counter(
    key: string,
    ttl: number,
    where: { tenantId?: string; day?: string; sessionId?: string },
  ) {
    const cached = await this.redis.client.get(key);
    if (cached !== null) return Number(cached);
    const { sum } = (await this.dataSource
      .getRepository(UsageLedgerEntity)
      .createQueryBuilder('u')
      .select('COALESCE(SUM(u.prompt_tokens + u.completion_tokens), 0)', 'sum')
      .where(where)
      .getRawOne<{ sum: string }>()) ?? { sum: '0' };
    await this.redis.client.set(key, sum, 'EX', ttl, 'NX');
    return Number(await this.redis.client.get(key));
  }
}
