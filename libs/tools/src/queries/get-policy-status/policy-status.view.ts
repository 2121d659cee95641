import { type PolicyEnginesHealth } from '#soma/policy';
import { type PolicyDecisionOutcome } from '#soma/persistence';

export interface RecentDecision {
  id: string;
  tenantId: string;
  sessionId: string;
  toolCallId: string;
  tool: string;
  attempt: number;
  outcome: PolicyDecisionOutcome;
  mode: 'enforcing' | 'canary';
  ruleIds: string[];
  reasons: string[];
  cached: boolean;
  decidedAt: string;
}

/** Blocked (or, in canary mode, would-be-blocked) decisions in the window, per rule that decided them. */
export interface RuleDenials {
  ruleId: string;
  count: number;
}

export interface PolicyStatus {
  mode: 'enforcing' | 'canary';
  engines: PolicyEnginesHealth;
  windowHours: number;
  totals: {
    decisions: number;
    allowed: number;
    denied: number;
    approvalRequired: number;
    overridden: number;
  };
  recentDecisions: RecentDecision[];
  denialsByRule: RuleDenials[];
}
