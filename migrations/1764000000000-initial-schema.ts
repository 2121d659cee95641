import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_tenants_name UNIQUE (name)
      );
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'user')),
        key_hash text NOT NULL,
        key_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash)
      );
      CREATE INDEX ix_api_keys_tenant ON api_keys (tenant_id);
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        title text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ix_sessions_tenant_created ON sessions (tenant_id, created_at DESC);
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        position bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        session_id uuid NOT NULL REFERENCES sessions(id),
        turn_id uuid,
        role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        content text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ix_messages_session_position ON messages (session_id, position);
      CREATE TABLE turns (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        session_id uuid NOT NULL REFERENCES sessions(id),
        user_message_id uuid NOT NULL REFERENCES messages(id),
        assistant_message_id uuid REFERENCES messages(id),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        error_code text,
        error_message text,
        prompt_tokens integer,
        completion_tokens integer,
        idempotency_key text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz
      );
      CREATE INDEX ix_turns_session_created ON turns (session_id, created_at);
      CREATE UNIQUE INDEX uq_turns_session_idempotency_key ON turns (session_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic text NOT NULL,
        message_key text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      CREATE INDEX ix_outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE outbox; DROP TABLE turns; DROP TABLE messages; DROP TABLE sessions;
      DROP TABLE api_keys; DROP TABLE tenants;`);
  }
}
