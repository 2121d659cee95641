import { type Approver, type EngineDecision, type PolicyDecision } from '#soma/contracts';

export type PolicyMode = 'enforcing' | 'canary';

/**
 * Combines the engines' verdicts: an engine error or a deny blocks (fail-closed, and `transient` when an
 * engine could not decide; overridable by the operator only when every denying engine says so), then
 * require_approval (with who approves), else allow. Canary mode allows whatever the engines said
 * and says in the rules and reasons what enforcing mode would have done.
 */
export function combineDecisions(engines: EngineDecision[], mode: PolicyMode): PolicyDecision {
  const errors = engines.filter((engine) => engine.outcome === 'error');
  const denies = engines.filter((engine) => engine.outcome === 'deny');
  const approvals = engines.filter((engine) => engine.outcome === 'require_approval');
  const blocking = [...errors, ...denies];
  const outcome = blocking.length > 0 ? 'deny' : approvals.length > 0 ? 'require_approval' : 'allow';
  const deciding = outcome === 'deny' ? blocking : outcome === 'require_approval' ? approvals : engines;
  const ruleIds = deciding.flatMap((engine) => engine.ruleIds);
  const reasons = deciding.flatMap((engine) => engine.reasons);
  if (mode === 'canary' && outcome !== 'allow') {
    return {
      outcome: 'allow',
      mode,
      ruleIds: ['policy.canary_allowed', ...ruleIds],
      reasons: [`canary mode: allowed, enforcing mode would have answered ${outcome}`, ...reasons],
      engines,
      cached: false,
      transient: false,
      wouldBe: outcome,
    };
  }
  const decision: PolicyDecision = {
    outcome,
    mode,
    ruleIds,
    reasons,
    engines,
    cached: false,
    transient: errors.length > 0,
  };
  if (outcome === 'require_approval') return { ...decision, approver: approverOf(approvals) };
  if (outcome === 'deny') return { ...decision, overridable: overridable(errors, denies) };
  return decision;
}

/** A deny the operator may override: no engine failed, and every denying engine says its rules allow it. */
function overridable(errors: readonly EngineDecision[], denies: readonly EngineDecision[]): boolean {
  return errors.length === 0 && denies.every((engine) => engine.overridable === true);
}

/** The session's user approves only when every approving engine says so; an admin otherwise (the stricter). */
function approverOf(approvals: readonly EngineDecision[]): Approver {
  return approvals.every((engine) => engine.approver === 'user') ? 'user' : 'admin';
}
