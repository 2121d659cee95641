import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * An append-only log of every policy decision on a tool call (what the console and `soma` show), the source of a
 * tool result (sandbox or a recorded call), and replay sessions that re-run a recorded session.
 */
export class PolicyDecisionsAndReplay1764000007000 implements MigrationInterface {
  name = 'PolicyDecisionsAndReplay1764000007000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE policy_decisions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        session_id uuid NOT NULL,
        tool_call_id uuid NOT NULL,
        tool text NOT NULL,
        attempt integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('allow', 'deny', 'require_approval', 'override')),
        mode text NOT NULL CHECK (mode IN ('enforcing', 'canary')),
        rule_ids text[] NOT NULL,
        reasons text[] NOT NULL,
        cached boolean NOT NULL,
        transient boolean NOT NULL,
        grant_id uuid,
        decided_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ix_policy_decisions_tenant_decided ON policy_decisions (tenant_id, decided_at DESC);
      CREATE INDEX ix_policy_decisions_decided ON policy_decisions (decided_at DESC);
      CREATE INDEX ix_policy_decisions_call ON policy_decisions (tool_call_id, decided_at);

      ALTER TABLE tool_calls
        ADD COLUMN source text CHECK (source IN ('sandbox', 'recorded')),
        ADD COLUMN recorded_from uuid;

      ALTER TABLE sessions
        ADD COLUMN replay_source_session_id uuid REFERENCES sessions(id),
        ADD COLUMN replay_tool_results text CHECK (replay_tool_results IN ('recorded', 'live')),
        ADD CONSTRAINT sessions_replay_complete
          CHECK ((replay_source_session_id IS NULL) = (replay_tool_results IS NULL));
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE sessions DROP CONSTRAINT sessions_replay_complete,
        DROP COLUMN replay_tool_results, DROP COLUMN replay_source_session_id;
      ALTER TABLE tool_calls DROP COLUMN recorded_from, DROP COLUMN source;
      DROP TABLE policy_decisions;
    `);
  }
}
