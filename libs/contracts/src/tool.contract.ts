import { Type, type Static } from '@sinclair/typebox';
import { ApproverSchema } from './approval.contract.js';

const Uuid = Type.String({ format: 'uuid' });

export const PolicyOutcomeSchema = Type.Union([
  Type.Literal('allow'),
  Type.Literal('deny'),
  Type.Literal('require_approval'),
]);
export type PolicyOutcome = Static<typeof PolicyOutcomeSchema>;

/** One engine's verdict (OPA or OpenFGA), with the rules that decided and human-readable reasons. */
export const EngineDecisionSchema = Type.Object(
  {
    engine: Type.Union([Type.Literal('opa'), Type.Literal('openfga')]),
    outcome: Type.Union([PolicyOutcomeSchema, Type.Literal('error')]),
    ruleIds: Type.Array(Type.String()),
    reasons: Type.Array(Type.String()),
    durationMs: Type.Number({ minimum: 0 }),
    /** With require_approval: who approves (absent = an admin). */
    approver: Type.Optional(ApproverSchema),
    /** With deny: every deny rule that fired marks itself overridable by the operator. */
    overridable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EngineDecision = Static<typeof EngineDecisionSchema>;

/** The combined decision of the policy gate. `mode: canary` means a deny was logged but allowed. */
export const PolicyDecisionSchema = Type.Object(
  {
    outcome: PolicyOutcomeSchema,
    mode: Type.Union([Type.Literal('enforcing'), Type.Literal('canary')]),
    ruleIds: Type.Array(Type.String()),
    reasons: Type.Array(Type.String()),
    engines: Type.Array(EngineDecisionSchema),
    cached: Type.Boolean(),
    /** True when an engine could not be reached: the call is blocked and retried (fail-closed). */
    transient: Type.Boolean(),
    /** With require_approval: `user` (the session's own user, in the chat) or `admin` (the requeue). */
    approver: Type.Optional(ApproverSchema),
    /**
     * With deny: true when the operator may override it (every rule that denied marks itself overridable; SSRF,
     * role and tenant-grant rules never do). A tenant admin never overrides a deny.
     */
    overridable: Type.Optional(Type.Boolean()),
    /** Canary mode only: what enforcing mode would have answered for a call canary mode let through. */
    wouldBe: Type.Optional(Type.Union([Type.Literal('deny'), Type.Literal('require_approval')])),
  },
  { additionalProperties: false },
);
export type PolicyDecision = Static<typeof PolicyDecisionSchema>;

/** An admin override or a user's approval, re-published with the original call; the executor accepts it once, for this call only. */
export const OverrideGrantSchema = Type.Object(
  { grantId: Uuid, argumentsHash: Type.String({ minLength: 64, maxLength: 64 }) },
  { additionalProperties: false },
);
export type OverrideGrant = Static<typeof OverrideGrantSchema>;

/** tool.requests: run this tool call (idempotency key: toolCallId). */
export const ToolCallRequestedSchema = Type.Object(
  {
    toolCallId: Uuid,
    /** The turn that asked for it; null when a user asked explicitly outside a turn. */
    turnId: Type.Union([Uuid, Type.Null()]),
    tool: Type.String({ minLength: 1, maxLength: 100 }),
    arguments: Type.Record(Type.String(), Type.Unknown()),
    requestedBy: Type.Union([Type.Literal('model'), Type.Literal('user')]),
    /** The caller's role and anything policy should see (for example the SLM classification). */
    principal: Type.Object(
      {
        role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
        keyId: Type.Union([Uuid, Type.Null()]),
      },
      { additionalProperties: false },
    ),
    context: Type.Record(Type.String(), Type.Unknown()),
    grant: Type.Optional(OverrideGrantSchema),
    attempt: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type ToolCallRequested = Static<typeof ToolCallRequestedSchema>;

/** tool.results: what happened to a call. `blocked` carries the reasons; the model sees them as the result. */
export const ToolCallFinishedSchema = Type.Object(
  {
    toolCallId: Uuid,
    turnId: Type.Union([Uuid, Type.Null()]),
    tool: Type.String(),
    /** `rejected`: the session's user rejected the call; `output.message` is what they said. */
    status: Type.Union([
      Type.Literal('ok'),
      Type.Literal('error'),
      Type.Literal('blocked'),
      Type.Literal('rejected'),
    ]),
    output: Type.Unknown(),
    error: Type.Union([
      Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    decision: Type.Union([PolicyDecisionSchema, Type.Null()]),
    durationMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ToolCallFinished = Static<typeof ToolCallFinishedSchema>;

/** tool.blocked: a call policy denied, that needs approval, or that could not be decided (engine down). */
export const ToolCallBlockedSchema = Type.Object(
  {
    request: ToolCallRequestedSchema,
    decision: PolicyDecisionSchema,
  },
  { additionalProperties: false },
);
export type ToolCallBlocked = Static<typeof ToolCallBlockedSchema>;
