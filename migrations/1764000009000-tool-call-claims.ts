import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Who runs a tool call, and until when: the executor instance that claimed it and the lease it renews while the
 * tool runs. A redelivered request for a running call whose lease lapsed ends it at once (TOOL_INTERRUPTED)
 * instead of waiting. Rows claimed before this migration have no lease; the executor treats them as leased for
 * 60 s from started_at, the old wait.
 */
export class ToolCallClaims1764000009000 implements MigrationInterface {
  name = 'ToolCallClaims1764000009000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE tool_calls
        ADD COLUMN claimed_by text,
        ADD COLUMN lease_expires_at timestamptz;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE tool_calls DROP COLUMN lease_expires_at, DROP COLUMN claimed_by;`);
  }
}
