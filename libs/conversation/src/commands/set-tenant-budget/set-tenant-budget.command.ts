import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';
import { type BudgetLimits } from '../../budget/token-budget.js';

/** A tenant's limits in force: tokens (per day, per session) and tool running time per day. */
export interface TenantBudgetLimits extends BudgetLimits {
  dailyToolSeconds: number;
}

/**
 * An operator sets a tenant's daily token budget, per-session cap and daily tool seconds (null: the configured
 * default). Audited in the same transaction.
 */
export class SetTenantBudgetCommand extends Command<TenantBudgetLimits> {
  constructor(
    readonly tenantId: string,
    readonly dailyTokenBudget: number | null,
    readonly sessionTokenCap: number | null,
    readonly dailyToolSeconds: number | null,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
