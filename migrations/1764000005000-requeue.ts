import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Requeue: blocked-call review items, single-use override grants, the append-only audit log, dead letters. */
export class Requeue1764000005000 implements MigrationInterface {
  name = 'Requeue1764000005000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE requeue_items (
        id uuid PRIMARY KEY,
        tool_call_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        session_id uuid NOT NULL,
        tool text NOT NULL,
        status text NOT NULL
          CHECK (status IN ('pending', 'retrying', 'overridden', 'rejected', 'dead_lettered', 'resolved')),
        request jsonb NOT NULL,
        decision jsonb NOT NULL,
        reasons text[] NOT NULL,
        attempt integer NOT NULL,
        next_attempt_at timestamptz,
        blocked_event_id uuid NOT NULL,
        correlation_id text NOT NULL,
        resolved_by uuid,
        resolution_reason text,
        resolved_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX uq_requeue_items_tool_call ON requeue_items (tool_call_id);
      CREATE INDEX ix_requeue_items_tenant_status_created ON requeue_items (tenant_id, status, created_at DESC);
      CREATE INDEX ix_requeue_items_session ON requeue_items (session_id, created_at DESC);

      CREATE TABLE override_grants (
        grant_id uuid PRIMARY KEY,
        requeue_item_id uuid NOT NULL REFERENCES requeue_items(id),
        tenant_id uuid NOT NULL,
        tool_call_id uuid NOT NULL,
        arguments_hash char(64) NOT NULL,
        granted_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz
      );
      CREATE UNIQUE INDEX uq_override_grants_item ON override_grants (requeue_item_id);

      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        action text NOT NULL,
        actor_key_id uuid,
        actor_role text NOT NULL,
        subject_type text NOT NULL,
        subject_id uuid NOT NULL,
        reason text NOT NULL,
        detail jsonb NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ix_audit_events_subject ON audit_events (subject_type, subject_id, occurred_at);
      CREATE INDEX ix_audit_events_tenant_occurred ON audit_events (tenant_id, occurred_at DESC);
      -- Append-only: history cannot be rewritten, not even by the application's own role.
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
      END $$;
      CREATE TRIGGER tr_audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

      CREATE TABLE dead_letters (
        id uuid PRIMARY KEY,
        dlq_topic text NOT NULL,
        dlq_partition integer NOT NULL,
        dlq_offset bigint NOT NULL,
        source_topic text NOT NULL,
        source text,
        reason text NOT NULL,
        detail text NOT NULL,
        app text,
        message_key text,
        value bytea,
        headers jsonb NOT NULL,
        event_id uuid,
        tenant_id uuid,
        session_id uuid,
        status text NOT NULL CHECK (status IN ('stored', 'replayed')),
        replayed_at timestamptz,
        replayed_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX uq_dead_letters_position ON dead_letters (dlq_topic, dlq_partition, dlq_offset);
      CREATE INDEX ix_dead_letters_created ON dead_letters (created_at DESC);
      CREATE INDEX ix_dead_letters_reason ON dead_letters (reason, created_at DESC);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TABLE dead_letters;
      DROP TABLE audit_events;
      DROP FUNCTION audit_events_append_only();
      DROP TABLE override_grants;
      DROP TABLE requeue_items;
    `);
  }
}
