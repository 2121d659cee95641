import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Tool security.
 * - Decisions an admin may and may not override: a grant records which deny rules the operator overrode (null
 *   for an approval or the override of a require_approval). The executor admits a call under a deny only with
 *   such a grant, and only while every rule that denies it is one of these and marks itself overridable.
 * - A daily budget of tool seconds per tenant: each call's running time (queue wait excluded) is kept on the
 *   call, summed per tenant and UTC day against `tenant_budgets.daily_tool_seconds` (null: the configured
 *   default).
 */
export class ToolSecurity1764000011500 implements MigrationInterface {
  name = 'ToolSecurity1764000011500';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE override_grants ADD COLUMN overrides_deny_rule_ids text[];
      ALTER TABLE tool_calls ADD COLUMN run_ms integer CHECK (run_ms >= 0);
      CREATE INDEX ix_tool_calls_tenant_completed ON tool_calls (tenant_id, completed_at)
        WHERE run_ms IS NOT NULL;
      ALTER TABLE tenant_budgets ADD COLUMN daily_tool_seconds bigint CHECK (daily_tool_seconds >= 0);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE tenant_budgets DROP COLUMN daily_tool_seconds;
      DROP INDEX ix_tool_calls_tenant_completed;
      ALTER TABLE tool_calls DROP COLUMN run_ms;
      ALTER TABLE override_grants DROP COLUMN overrides_deny_rule_ids;
    `);
  }
}
