import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type EngineVerdict, type PolicyEngine, type PolicyInput } from '../policy-input.contract.js';
import { PolicyError } from '../policy.errors.js';
import { type OpaClient } from './opa.client.js';

const OpaDecision = TypeCompiler.Compile(
  Type.Object({
    outcome: Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('require_approval')]),
    rule_ids: Type.Array(Type.String()),
    reasons: Type.Array(Type.String()),
    approver: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
    overridable: Type.Optional(Type.Boolean()),
  }),
);

/** Rego input uses snake_case, as policies conventionally do. */
export function toOpaInput(input: PolicyInput): Record<string, unknown> {
  return {
    tenant_id: input.tenantId,
    principal: { role: input.principal.role, key_id: input.principal.keyId },
    tool: input.tool,
    risk: input.risk,
    arguments: input.arguments,
    requested_by: input.requestedBy,
    context: input.context,
    resource: input.resource,
  };
}

/** A decision made while OPA held no tenant settings (it restarted and nobody reloaded them yet). */
function lacksSettings(result: unknown): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as { settings_loaded?: unknown }).settings_loaded === false
  );
}

/**
 * Rules: asks data.<decisionPath> for {outcome, rule_ids, reasons}. An undefined decision is a deny. A decision
 * that says `settings_loaded: false` is not used: `reloadSettings` loads them and OPA is asked again; without
 * them the engine fails (the gate blocks the call as transient, it is retried), never deciding without a
 * tenant's disabled tools and egress limits.
 */
export class OpaEngine implements PolicyEngine {
  readonly name = 'opa' as const;

  constructor(
    private readonly client: OpaClient,
    private readonly decisionPath: string,
    private readonly reloadSettings?: () => Promise<unknown>,
  ) {}

  async evaluate(input: PolicyInput): Promise<EngineVerdict> {
    const opaInput = toOpaInput(input);
    let result = await this.client.evaluate(this.decisionPath, opaInput);
    if (lacksSettings(result) && this.reloadSettings) {
      await this.reloadSettings();
      result = await this.client.evaluate(this.decisionPath, opaInput);
    }
    if (lacksSettings(result)) {
      throw new PolicyError(
        'ENGINE_UNAVAILABLE',
        'OPA holds no tenant policy settings (data.soma.settings_loaded is missing)',
      );
    }
    if (result === undefined) {
      return {
        outcome: 'deny',
        ruleIds: ['opa.undefined'],
        reasons: [`no policy decided data.${this.decisionPath.replaceAll('/', '.')}`],
      };
    }
    if (!OpaDecision.Check(result)) {
      throw new PolicyError('ENGINE_BAD_RESPONSE', 'OPA decision lacks outcome, rule_ids or reasons');
    }
    const verdict = { outcome: result.outcome, ruleIds: result.rule_ids, reasons: result.reasons };
    if (result.outcome === 'require_approval') return { ...verdict, approver: result.approver ?? 'admin' };
    if (result.outcome === 'deny') return { ...verdict, overridable: result.overridable === true };
    return verdict;
  }
}
