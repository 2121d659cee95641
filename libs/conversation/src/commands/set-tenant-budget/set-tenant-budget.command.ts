import { Command } from '@nestjs/cqrs';
import { type BudgetLimits } from '../../budget/token-budget.js';

/** An operator sets a tenant's daily token budget and per-session cap (null: the configured default). */
export class SetTenantBudgetCommand extends Command<BudgetLimits> {
  constructor(
    readonly tenantId: string,
    readonly dailyTokenBudget: number | null,
    readonly sessionTokenCap: number | null,
    readonly changedBy: string,
  ) {
    super();
  }
}
