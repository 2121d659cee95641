import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Turn control: a turn can be cancelled. The request is recorded on the turn (when, by whom) before anything
 * else happens, so every run and every instance sees it: the journal refuses the run's token writes from then on,
 * and the run (or, when none holds the turn, the worker that handles the request) ends it as `cancelled`. The
 * partial reply a cancelled turn streamed is kept as its assistant message, marked `cancelled`.
 */
export class TurnControl1764000009500 implements MigrationInterface {
  name = 'TurnControl1764000009500';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE turns DROP CONSTRAINT turns_status_check;
      ALTER TABLE turns ADD CONSTRAINT turns_status_check
        CHECK (status IN ('queued', 'running', 'awaiting_tool', 'completed', 'failed', 'cancelled'));
      ALTER TABLE turns
        ADD COLUMN cancel_requested_at timestamptz,
        ADD COLUMN cancelled_by jsonb;
      ALTER TABLE messages
        ADD COLUMN status text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'cancelled'));
      CREATE INDEX ix_turns_session_open ON turns (session_id, position)
        WHERE status IN ('queued', 'running', 'awaiting_tool');
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX ix_turns_session_open;
      ALTER TABLE messages DROP COLUMN status;
      ALTER TABLE turns DROP COLUMN cancelled_by, DROP COLUMN cancel_requested_at;
      UPDATE turns SET status = 'failed', error_code = 'CANCELLED' WHERE status = 'cancelled';
      ALTER TABLE turns DROP CONSTRAINT turns_status_check;
      ALTER TABLE turns ADD CONSTRAINT turns_status_check
        CHECK (status IN ('queued', 'running', 'awaiting_tool', 'completed', 'failed'));
    `);
  }
}
