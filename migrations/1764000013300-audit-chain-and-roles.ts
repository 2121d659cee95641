import { auditEventHash, AUDIT_GENESIS_HASH } from '#soma/contracts';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The role the four apps connect as (scripts/provision gives it a login). docs/audit.md. */
export const APP_ROLE = 'soma_app';

interface StoredEvent {
  id: string;
  tenant_id: string | null;
  action: string;
  actor_key_id: string | null;
  actor_role: string;
  subject_type: string;
  subject_id: string;
  reason: string;
  detail: unknown;
  occurred_at: Date;
}

/**
 * A tamper-evident audit trail and an application role that cannot rewrite it:
 * - every audit event gets its place in its tenant's chain (`seq`; no tenant: the platform chain), the hash of
 *   the event before it and its own hash; existing events are chained here, in their order;
 * - the role `soma_app` may read and write every table but only INSERT and SELECT audit_events; it owns nothing,
 *   so it cannot ALTER or DROP them (nor the append-only trigger). Tables created by later migrations get the
 *   same grants (default privileges of the role that runs migrations).
 */
export class AuditChainAndRoles1764000013300 implements MigrationInterface {
  name = 'AuditChainAndRoles1764000013300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE audit_events ALTER COLUMN tenant_id DROP NOT NULL;
      ALTER TABLE audit_events ADD COLUMN seq bigint, ADD COLUMN prev_hash char(64), ADD COLUMN hash char(64);
      ALTER TABLE audit_events DISABLE TRIGGER tr_audit_events_append_only;
      -- The chain hashes millisecond timestamps (what JSON carries).
      UPDATE audit_events SET occurred_at = date_trunc('milliseconds', occurred_at);
    `);
    await chainExisting(runner);
    await runner.query(`
      ALTER TABLE audit_events ENABLE TRIGGER tr_audit_events_append_only;
      ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
        ALTER COLUMN hash SET NOT NULL;
      CREATE UNIQUE INDEX uq_audit_events_chain_seq
        ON audit_events ((COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid)), seq);

      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          CREATE ROLE ${APP_ROLE} NOLOGIN;
        END IF;
      END $$;
      GRANT USAGE ON SCHEMA public TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE};
      GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE};
      REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM ${APP_ROLE};
      REVOKE ALL ON migrations FROM ${APP_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${APP_ROLE};
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${APP_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${APP_ROLE};
      REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE};
      REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${APP_ROLE};
      DROP INDEX uq_audit_events_chain_seq;
      ALTER TABLE audit_events DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash;
    `);
  }
}

/** Existing events, chained per tenant in the order they happened (the trigger is off for this). */
async function chainExisting(runner: QueryRunner): Promise<void> {
  const rows = (await runner.query(
    `SELECT id, tenant_id, action, actor_key_id, actor_role, subject_type, subject_id, reason, detail, occurred_at
     FROM audit_events ORDER BY tenant_id NULLS FIRST, occurred_at, id`,
  )) as StoredEvent[];
  const heads = new Map<string | null, { seq: number; hash: string }>();
  for (const row of rows) {
    const head = heads.get(row.tenant_id) ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
    const seq = head.seq + 1;
    const hash = auditEventHash({
      id: row.id,
      tenantId: row.tenant_id,
      seq,
      prevHash: head.hash,
      actorKeyId: row.actor_key_id,
      actorRole: row.actor_role,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      reason: row.reason,
      detail: row.detail,
      occurredAt: row.occurred_at.toISOString(),
    });
    await runner.query('UPDATE audit_events SET seq = $2, prev_hash = $3, hash = $4 WHERE id = $1', [
      row.id,
      seq,
      head.hash,
      hash,
    ]);
    heads.set(row.tenant_id, { seq, hash });
  }
}
