import { type Approver, type PolicyOutcome } from '#soma/contracts';

export type RiskLevel = 'low' | 'medium' | 'high';

/** What policy sees of a tool call. `context` carries e.g. the SLM classification (intent, sentiment, tags). */
export interface PolicyInput {
  tenantId: string;
  principal: { role: 'admin' | 'user'; keyId: string | null };
  tool: string;
  risk: RiskLevel;
  arguments: Record<string, unknown>;
  requestedBy: 'model' | 'user';
  context: Record<string, unknown>;
  /** Facts derived from the arguments by the tool (for http.fetch: scheme, host, port). */
  resource: Record<string, unknown>;
}

/** One engine's answer before timing and metrics are added. */
export interface EngineVerdict {
  outcome: PolicyOutcome;
  ruleIds: string[];
  reasons: string[];
  /** With require_approval: who approves (absent = an admin). */
  approver?: Approver;
  /** With deny: the operator may override it (absent = never). */
  overridable?: boolean;
}

/** A policy engine: OPA (rules) or OpenFGA (relationships). */
export interface PolicyEngine {
  readonly name: 'opa' | 'openfga';
  /** `fresh`: answer from the engine's current state, past any cache of its own (a granted call's re-check). */
  evaluate(input: PolicyInput, options?: { fresh?: boolean }): Promise<EngineVerdict>;
}
