import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Tool calls (exactly-once store), documents for web.search, and memory notes. */
export class Tools1764000003000 implements MigrationInterface {
  name = 'Tools1764000003000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tool_calls (
        tool_call_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        session_id uuid NOT NULL,
        turn_id uuid,
        tool text NOT NULL,
        arguments jsonb NOT NULL,
        requested_by text NOT NULL CHECK (requested_by IN ('model', 'user')),
        status text NOT NULL CHECK (status IN ('running', 'ok', 'error', 'blocked')),
        attempt integer NOT NULL,
        grant_id uuid,
        decision jsonb,
        result_envelope jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      );
      CREATE INDEX ix_tool_calls_session_created ON tool_calls (session_id, created_at);
      CREATE INDEX ix_tool_calls_tenant_status ON tool_calls (tenant_id, status);
      CREATE UNIQUE INDEX uq_tool_calls_grant ON tool_calls (grant_id) WHERE grant_id IS NOT NULL;

      CREATE TABLE documents (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        source text NOT NULL CHECK (source IN ('ingest', 'fetch')),
        title text NOT NULL,
        url text,
        content text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        tsv tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'B')
        ) STORED
      );
      CREATE INDEX ix_documents_tsv ON documents USING gin (tsv);
      CREATE INDEX ix_documents_tenant_created ON documents (tenant_id, created_at DESC);

      CREATE TABLE memory_notes (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        session_id uuid NOT NULL REFERENCES sessions(id),
        content text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        tool_call_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED
      );
      CREATE INDEX ix_memory_notes_tsv ON memory_notes USING gin (tsv);
      CREATE INDEX ix_memory_notes_session_created ON memory_notes (tenant_id, session_id, created_at DESC);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE memory_notes; DROP TABLE documents; DROP TABLE tool_calls;`);
  }
}
