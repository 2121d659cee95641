export interface BudgetLimits {
  dailyTokenBudget: number;
  sessionTokenCap: number;
}

export interface BudgetUsage {
  tenantToday: number;
  session: number;
}

export type ReservationPlan =
  | { ok: true; reserve: number; completionAllowance: number; limitedByBudget: boolean }
  | { ok: false; reason: string };

export function remainingTokens(limits: BudgetLimits, usage: BudgetUsage): number {
  return Math.max(
    0,
    Math.min(limits.dailyTokenBudget - usage.tenantToday, limits.sessionTokenCap - usage.session),
  );
}

/**
 * How many tokens a turn reserves before generating: its prompt plus as much of the reply as the budget
 * allows. A turn whose reply is cut by the budget ends with BUDGET_EXCEEDED.
 */
export function planReservation(
  limits: BudgetLimits,
  usage: BudgetUsage,
  promptTokens: number,
  maxTokens: number,
): ReservationPlan {
  const remaining = remainingTokens(limits, usage);
  if (remaining <= promptTokens) {
    return {
      ok: false,
      reason: `the budget has ${remaining} tokens left; the context alone needs ${promptTokens}`,
    };
  }
  const completionAllowance = Math.min(maxTokens, remaining - promptTokens);
  return {
    ok: true,
    reserve: promptTokens + completionAllowance,
    completionAllowance,
    limitedByBudget: completionAllowance < maxTokens,
  };
}

/** UTC day of a timestamp: budgets reset at midnight UTC. */
export const budgetDay = (at: Date = new Date()): string => at.toISOString().slice(0, 10);
