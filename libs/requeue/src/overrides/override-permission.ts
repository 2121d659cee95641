import { PolicyDecisionSchema, type PolicyDecision } from '#soma/contracts';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type Actor } from '../actor.contract.js';
import { RequeueError } from '../requeue.errors.js';

const DecisionCheck = TypeCompiler.Compile(PolicyDecisionSchema);

/** Who may override a blocked call's decision: any admin of the tenant, only the operator, or nobody. */
export type OverridableBy = 'admin' | 'operator' | null;

/** The stored decision of a requeue item, checked against its contract (an item written before is refused). */
export function storedDecision(decision: Record<string, unknown>): PolicyDecision | null {
  return DecisionCheck.Check(decision) ? decision : null;
}

/**
 * The override rules: require_approval (and a transient block, which is retried) may be overridden by an admin
 * of the tenant. A deny is final for tenant admins; the operator may override it only when every rule that
 * denied marks itself overridable (SSRF, role, catalogue and tenant-grant rules never do).
 */
export function overridableBy(decision: PolicyDecision | null): OverridableBy {
  if (!decision) return null;
  if (decision.outcome !== 'deny' || decision.transient) return 'admin';
  return decision.overridable === true ? 'operator' : null;
}

/** Refuses an override the actor may not make, with the rules that decided and why. */
export function assertMayOverride(actor: Actor, decision: PolicyDecision | null, itemId: string): void {
  const who = overridableBy(decision);
  if (who === 'admin' || (who === 'operator' && actor.operator)) return;
  const rules = decision?.ruleIds ?? [];
  const message =
    who === 'operator'
      ? `requeue item ${itemId} was denied by policy (${rules.join(', ')}): only the operator may override this deny; reject it or change the policy`
      : `requeue item ${itemId} was denied by policy (${rules.join(', ')}): this deny is final and can only be rejected`;
  throw new RequeueError('REQUEUE_DECISION_FINAL', message, { ruleIds: rules, overridableBy: who });
}
