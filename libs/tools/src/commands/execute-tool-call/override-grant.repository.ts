import { Injectable } from '@nestjs/common';
import { type OverrideGrant, type PolicyDecision } from '#soma/contracts';
import { OverrideGrantEntity } from '#soma/persistence';
import { DataSource, IsNull } from 'typeorm';

/** What presenting a grant did: spent on this call, refused by today's decision (kept), or not recognised. */
export type GrantSpending = 'spent' | 'refused' | 'unknown';

/**
 * What a grant may turn into an allow, given today's decision: an allow or a require_approval always; a deny
 * only when it was the operator's override of a deny, today's deny is overridable (no engine failed, every rule
 * marks itself overridable), and every rule that denies now is one the operator overrode.
 */
export function grantCovers(grant: OverrideGrantEntity, decision: PolicyDecision): boolean {
  if (decision.outcome !== 'deny') return true;
  const overridden = grant.overridesDenyRuleIds;
  return (
    overridden !== null &&
    decision.overridable === true &&
    !decision.transient &&
    decision.ruleIds.every((rule) => overridden.includes(rule))
  );
}

/** The grants requeue records on an override or approval; the executor spends each one at most once. */
@Injectable()
export class OverrideGrantRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Spends the grant, atomically, if it is recorded, unused, bound to this tenant, tool call id and arguments
   * hash, and covers today's decision. A forged, reused or transplanted grant is `unknown`; one that does not
   * cover the decision (a deny it was not given for) is `refused` and stays unused.
   */
  async consume(
    grant: OverrideGrant,
    tenantId: string,
    toolCallId: string,
    decision: PolicyDecision,
  ): Promise<GrantSpending> {
    const bound = {
      grantId: grant.grantId,
      tenantId,
      toolCallId,
      argumentsHash: grant.argumentsHash,
      usedAt: IsNull(),
    };
    const row = await this.dataSource.getRepository(OverrideGrantEntity).findOneBy(bound);
    if (!row) return 'unknown';
    if (!grantCovers(row, decision)) return 'refused';
    const result = await this.dataSource
      .getRepository(OverrideGrantEntity)
      .update(bound, { usedAt: () => 'now()' });
    return result.affected === 1 ? 'spent' : 'unknown';
  }
}
