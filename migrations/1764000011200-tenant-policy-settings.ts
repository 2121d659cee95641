import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Tenant policy settings (egress hosts and CIDRs, ports, disabled and user-approved tools): the system of record
 * for what OPA holds as data.soma.tenants. `revision` comes from one sequence and changes on every write, so the
 * highest revision names the state OPA must hold (data.soma.settings_loaded.revision): see docs/policy.md.
 */
export class TenantPolicySettings1764000011200 implements MigrationInterface {
  name = 'TenantPolicySettings1764000011200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE SEQUENCE tenant_policy_settings_revision_seq;
      CREATE TABLE tenant_policy_settings (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
        egress_hosts text[] NOT NULL DEFAULT '{}',
        allowed_cidrs text[] NOT NULL DEFAULT '{}',
        allowed_ports integer[] NOT NULL DEFAULT '{80,443}',
        disabled_tools text[] NOT NULL DEFAULT '{}',
        user_approval_tools text[] NOT NULL DEFAULT '{}',
        revision bigint NOT NULL DEFAULT nextval('tenant_policy_settings_revision_seq'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      CREATE INDEX ix_tenant_policy_settings_revision ON tenant_policy_settings (revision);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TABLE tenant_policy_settings;
      DROP SEQUENCE tenant_policy_settings_revision_seq;
    `);
  }
}
