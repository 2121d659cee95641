import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { PolicyDecisionEntity } from '#soma/persistence';
import { PolicyEnginesProbe } from '#soma/policy';
import { SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { GetPolicyStatusQuery } from './get-policy-status.query.js';
import { type PolicyStatus, type RecentDecision, type RuleDenials } from './policy-status.view.js';

/** The rule canary mode adds to what it let through; the rules after it are what would have blocked. */
const CANARY_RULE = 'policy.canary_allowed';

interface TotalsRow {
  decisions: string;
  allowed: string;
  denied: string;
  approval: string;
  overridden: string;
}

@QueryHandler(GetPolicyStatusQuery)
export class GetPolicyStatusHandler implements IQueryHandler<GetPolicyStatusQuery, PolicyStatus> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly probe: PolicyEnginesProbe,
    private readonly config: SomaConfig,
  ) {}

  async execute(query: GetPolicyStatusQuery): Promise<PolicyStatus> {
    // $1: tenant or null (every tenant); $2: window start; $3 (denials): the canary rule.
    const since = new Date(Date.now() - query.windowHours * 3_600_000);
    const params = [query.allTenants ? null : query.tenantId, since];
    const scope = '($1::uuid IS NULL OR tenant_id = $1) AND decided_at >= $2';
    const [engines, recent, totals, denials] = await Promise.all([
      this.probe.check(),
      this.dataSource.getRepository(PolicyDecisionEntity).find({
        where: query.allTenants ? {} : { tenantId: query.tenantId },
        order: { decidedAt: 'DESC' },
        take: query.recentLimit,
      }),
      this.dataSource.query<TotalsRow[]>(
        `SELECT count(*) AS decisions,
                count(*) FILTER (WHERE outcome = 'allow') AS allowed,
                count(*) FILTER (WHERE outcome = 'deny') AS denied,
                count(*) FILTER (WHERE outcome = 'require_approval') AS approval,
                count(*) FILTER (WHERE outcome = 'override') AS overridden
           FROM policy_decisions WHERE ${scope}`,
        params,
      ),
      this.dataSource.query<{ rule_id: string; count: string }[]>(
        `SELECT rule_id, count(*) AS count
           FROM policy_decisions, unnest(rule_ids) AS rule_id
          WHERE ${scope}
            AND (outcome IN ('deny', 'require_approval') OR $3 = ANY(rule_ids))
            AND rule_id <> $3
          GROUP BY rule_id ORDER BY count(*) DESC, rule_id`,
        [...params, CANARY_RULE],
      ),
    ]);
    const total = totals[0];
    return {
      mode: this.config.policyMode,
      engines,
      windowHours: query.windowHours,
      totals: {
        decisions: Number(total?.decisions ?? 0),
        allowed: Number(total?.allowed ?? 0),
        denied: Number(total?.denied ?? 0),
        approvalRequired: Number(total?.approval ?? 0),
        overridden: Number(total?.overridden ?? 0),
      },
      recentDecisions: recent.map((row): RecentDecision => ({
        id: row.id,
        tenantId: row.tenantId,
        sessionId: row.sessionId,
        toolCallId: row.toolCallId,
        tool: row.tool,
        attempt: row.attempt,
        outcome: row.outcome,
        mode: row.mode,
        ruleIds: row.ruleIds,
        reasons: row.reasons,
        cached: row.cached,
        decidedAt: row.decidedAt.toISOString(),
      })),
      denialsByRule: denials.map((row): RuleDenials => ({ ruleId: row.rule_id, count: Number(row.count) })),
    };
  }
}
