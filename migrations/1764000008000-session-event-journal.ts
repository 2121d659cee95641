import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The session event journal: every outbound event of a session, its seq allocated from `sessions.last_seq` in
 * the transaction that writes it (one serialized place), published to Kafka in seq order. Turns count their
 * attempts (a turn resumed by another worker instance is attempt 2).
 */
export class SessionEventJournal1764000008000 implements MigrationInterface {
  name = 'SessionEventJournal1764000008000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE session_events (
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq bigint NOT NULL CHECK (seq > 0),
        event_id uuid NOT NULL,
        turn_id uuid,
        type text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        CONSTRAINT pk_session_events PRIMARY KEY (session_id, seq)
      );
      CREATE UNIQUE INDEX uq_session_events_event ON session_events (event_id);
      CREATE INDEX ix_session_events_unpublished ON session_events (created_at) WHERE published_at IS NULL;
      CREATE INDEX ix_session_events_turn ON session_events (turn_id, seq) WHERE turn_id IS NOT NULL;
      CREATE INDEX ix_session_events_created ON session_events (created_at);
      ALTER TABLE turns ADD COLUMN attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1);
      CREATE INDEX ix_turns_queued_created ON turns (created_at) WHERE status = 'queued';
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX ix_turns_queued_created;
      ALTER TABLE turns DROP COLUMN attempt;
      DROP TABLE session_events;
    `);
  }
}
