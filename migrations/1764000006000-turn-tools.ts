import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Turns that wait for a tool, turns started by a tool result, conversation order by turn, tool-enabled profiles. */
export class TurnTools1764000006000 implements MigrationInterface {
  name = 'TurnTools1764000006000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE turns DROP CONSTRAINT turns_status_check;
      ALTER TABLE turns ADD CONSTRAINT turns_status_check
        CHECK (status IN ('queued', 'running', 'awaiting_tool', 'completed', 'failed'));
      ALTER TABLE turns ALTER COLUMN user_message_id DROP NOT NULL;
      ALTER TABLE turns ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY;
      ALTER TABLE turns ADD COLUMN pending_tool_call_id uuid;
      CREATE INDEX ix_turns_session_position ON turns (session_id, position);
      DROP INDEX ix_turns_running_lease;
      CREATE INDEX ix_turns_running_lease ON turns (lease_expires_at) WHERE status IN ('running', 'awaiting_tool');

      ALTER TABLE messages ADD COLUMN source_event_id uuid;
      CREATE UNIQUE INDEX uq_messages_source_event ON messages (source_event_id) WHERE source_event_id IS NOT NULL;

      ALTER TABLE model_profiles
        ADD COLUMN tools jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN tool_choice text NOT NULL DEFAULT 'auto' CHECK (tool_choice IN ('auto', 'required'));
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE model_profiles DROP COLUMN tools, DROP COLUMN tool_choice;
      DROP INDEX uq_messages_source_event; ALTER TABLE messages DROP COLUMN source_event_id;
      DROP INDEX ix_turns_session_position;
      ALTER TABLE turns DROP COLUMN pending_tool_call_id, DROP COLUMN position;
      ALTER TABLE turns DROP CONSTRAINT turns_status_check;
      ALTER TABLE turns ADD CONSTRAINT turns_status_check CHECK (status IN ('queued', 'running', 'completed', 'failed'));
    `);
  }
}
