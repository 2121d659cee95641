import { describe, expect, it } from 'vitest';
import { budgetDay, planReservation, remainingTokens } from './token-budget.js';

const limits = { dailyTokenBudget: 1000, sessionTokenCap: 300 };

describe('token budget', () => {
  it('takes the tighter of the tenant budget and the session cap', () => {
    expect(remainingTokens(limits, { tenantToday: 0, session: 0 })).toBe(300);
    expect(remainingTokens(limits, { tenantToday: 900, session: 0 })).toBe(100);
    expect(remainingTokens(limits, { tenantToday: 1200, session: 0 })).toBe(0);
  });

  it('reserves the prompt and as much reply as allowed', () => {
    expect(planReservation(limits, { tenantToday: 0, session: 0 }, 50, 128)).toEqual({
      ok: true,
      reserve: 178,
      completionAllowance: 128,
      limitedByBudget: false,
    });
    expect(planReservation(limits, { tenantToday: 0, session: 200 }, 50, 128)).toEqual({
      ok: true,
      reserve: 100,
      completionAllowance: 50,
      limitedByBudget: true,
    });
  });

  it('refuses a turn whose context alone exhausts the budget', () => {
    const plan = planReservation(limits, { tenantToday: 0, session: 260 }, 40, 128);
    expect(plan.ok).toBe(false);
  });

  it('uses UTC days', () => {
    expect(budgetDay(new Date('2026-03-01T23:30:00-05:00'))).toBe('2026-03-02');
  });
});
