import {
  type Approver,
  type Intent,
  type PolicyOutcome,
  type SentimentLabel,
  type Tag,
  type UnclassifiedReason,
} from '#soma/contracts';

export type RiskLevel = 'low' | 'medium' | 'high';

/**
 * What the SLM classifier said about the user message behind a call, in the classifier's own label sets.
 * `unavailable`: it could not say (timed out, overloaded, failed), or no user message is behind the call
 * (`MISSING`: a turn continued from a tool result, or a session without messages). Policy must not treat
 * "no tags" as "nothing sensitive" then (see memory.unclassified_context in policy.rego).
 */
export type PolicyContext =
  | { classification: 'classified'; intent: Intent; sentiment: SentimentLabel; tags: Tag[] }
  | { classification: 'unavailable'; reason: UnclassifiedReason | 'MISSING' };

/** What policy sees of a tool call. `context` carries the SLM classification of the user's message. */
export interface PolicyInput {
  tenantId: string;
  principal: { role: 'admin' | 'user'; keyId: string | null };
  tool: string;
  risk: RiskLevel;
  arguments: Record<string, unknown>;
  requestedBy: 'model' | 'user';
  context: PolicyContext;
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
  /** Forgets what the engine resolved and cached (e.g. OpenFGA's model id), after a policy change. */
  invalidate?(): void;
}
