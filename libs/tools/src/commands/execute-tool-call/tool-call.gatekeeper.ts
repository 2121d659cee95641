import { Injectable } from '@nestjs/common';
import { type Envelope, type PolicyDecision, type ToolCallRequested } from '#soma/contracts';
import { canonicalJson, PolicyGate, policyContextOf } from '#soma/policy';
import { createHash } from 'node:crypto';
import { type ArgumentError, ToolRegistry } from '../../registry/tool.registry.js';
import { type Tool } from '../../registry/tool-definition.contract.js';
import { type ToolErrorCode } from '../../tools.errors.js';
import { OverrideGrantRepository } from './override-grant.repository.js';

export type Admission =
  | {
      kind: 'admitted';
      tool: Tool;
      decision: PolicyDecision | null;
      grantId: string | null;
      /** What policy decided on; the tool acts on exactly this (http.fetch: the checked addresses). */
      resource: Record<string, unknown>;
    }
  | { kind: 'blocked'; decision: PolicyDecision }
  /** Policy asks the session's own user (approver user, inside a turn): the call waits for the answer. */
  | { kind: 'awaiting_approval'; decision: PolicyDecision }
  | { kind: 'rejected'; code: ToolErrorCode; message: string; errors: ArgumentError[] };

/** sha256 of the canonical JSON of the arguments: what an override grant is bound to. */
export function argumentsHash(args: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

/**
 * Decides whether a call may run: tool and arguments first (nothing runs on bad input), then policy. A grant (an
 * admin override or the session user's approval) only turns require_approval into allow, once: OPA and OpenFGA
 * are asked all the same, and a deny stays a deny, except one the operator overrode where every rule that
 * denies now is one it overrode and marks itself overridable (see OverrideGrantRepository.consume).
 */
@Injectable()
export class ToolCallGatekeeper {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly gate: PolicyGate,
    private readonly grants: OverrideGrantRepository,
  ) {}

  async admit(envelope: Envelope<string, ToolCallRequested>): Promise<Admission> {
    const request = envelope.payload;
    const tools = await this.registry.forTenant(envelope.tenantId);
    const checked = tools.check(request.tool, request.arguments);
    if (!checked.ok)
      return { kind: 'rejected', code: checked.code, message: checked.message, errors: checked.errors };
    const tool = checked.tool;
    if (request.grant && request.grant.argumentsHash !== argumentsHash(request.arguments))
      return grantRefused('the override grant is for other arguments');
    const resource = (await tool.resource?.(request.arguments)) ?? {};
    const decision = await this.gate.decide(
      {
        tenantId: envelope.tenantId,
        principal: request.principal,
        tool: tool.name,
        risk: tool.risk,
        arguments: request.arguments,
        requestedBy: request.requestedBy,
        context: policyContextOf(request.context),
        resource,
      },
      // A granted call is decided on the engines as they are now: a tool revoked a moment ago stays revoked.
      { fresh: request.grant !== undefined },
    );
    if (request.grant) {
      const spent = await this.grants.consume(request.grant, envelope.tenantId, request.toolCallId, decision);
      if (spent === 'refused') return { kind: 'blocked', decision };
      if (spent === 'unknown')
        return grantRefused('the override grant is not recorded for this call, or was already used');
      return { kind: 'admitted', tool, decision, grantId: request.grant.grantId, resource };
    }
    if (decision.outcome === 'deny') return { kind: 'blocked', decision };
    if (decision.outcome === 'allow') return { kind: 'admitted', tool, decision, grantId: null, resource };
    return decision.approver === 'user' && request.turnId !== null
      ? { kind: 'awaiting_approval', decision }
      : { kind: 'blocked', decision };
  }
}

function grantRefused(message: string): Admission {
  return { kind: 'rejected', code: 'GRANT_INVALID', message, errors: [] };
}

/**
 * The span attributes of an admission: the policy decision (allow, deny or require_approval, as the engines
 * combined it) and what the executor does with it (admitted, blocked, awaiting_approval, rejected).
 */
export function admissionAttributes(admission: Admission): Record<string, string | string[]> {
  const base = { 'soma.tool.admission': admission.kind };
  if (admission.kind === 'rejected') return { ...base, 'soma.tool.error.code': admission.code };
  if (!admission.decision) return base;
  return {
    ...base,
    'soma.policy.decision': admission.decision.outcome,
    'soma.policy.rule_ids': [...admission.decision.ruleIds],
  };
}
