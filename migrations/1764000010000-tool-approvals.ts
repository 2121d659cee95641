import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Approval in the chat: a tool call that policy sends to the session's own user waits as a pending approval
 * (server-side state, single-use: one guarded UPDATE moves it from pending to its answer). An approval's grant
 * lives in override_grants like an admin override's, bound to the call and the arguments it runs with. Sessions
 * record the key that created them: only that key (or its tenant's admin) answers the session's approvals.
 */
export class ToolApprovals1764000010000 implements MigrationInterface {
  name = 'ToolApprovals1764000010000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tool_approvals (
        id uuid PRIMARY KEY,
        tool_call_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        session_id uuid NOT NULL,
        turn_id uuid NOT NULL,
        requested_by_key_id uuid,
        tool text NOT NULL,
        arguments jsonb NOT NULL,
        reasons text[] NOT NULL,
        rule_ids text[] NOT NULL,
        request jsonb NOT NULL,
        correlation_id text NOT NULL,
        status text NOT NULL
          CHECK (status IN ('pending', 'approved', 'edited', 'rejected', 'expired', 'withdrawn')),
        answer_arguments jsonb,
        answer_message text,
        answered_by uuid,
        answered_at timestamptz,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX uq_tool_approvals_tool_call ON tool_approvals (tool_call_id);
      CREATE INDEX ix_tool_approvals_session_status ON tool_approvals (session_id, status, created_at);
      CREATE INDEX ix_tool_approvals_turn ON tool_approvals (turn_id);

      ALTER TABLE override_grants
        ALTER COLUMN requeue_item_id DROP NOT NULL,
        ADD COLUMN approval_id uuid REFERENCES tool_approvals(id),
        ADD CONSTRAINT ck_override_grants_source CHECK (requeue_item_id IS NOT NULL OR approval_id IS NOT NULL);
      CREATE UNIQUE INDEX uq_override_grants_approval ON override_grants (approval_id) WHERE approval_id IS NOT NULL;

      ALTER TABLE tool_calls DROP CONSTRAINT tool_calls_status_check;
      ALTER TABLE tool_calls ADD CONSTRAINT tool_calls_status_check
        CHECK (status IN ('running', 'ok', 'error', 'blocked', 'rejected'));

      ALTER TABLE sessions ADD COLUMN owner_key_id uuid;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE sessions DROP COLUMN owner_key_id;
      ALTER TABLE tool_calls DROP CONSTRAINT tool_calls_status_check;
      ALTER TABLE tool_calls ADD CONSTRAINT tool_calls_status_check
        CHECK (status IN ('running', 'ok', 'error', 'blocked'));
      DROP INDEX uq_override_grants_approval;
      ALTER TABLE override_grants DROP CONSTRAINT ck_override_grants_source, DROP COLUMN approval_id;
      DROP TABLE tool_approvals;
    `);
  }
}
