import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A turn may narrow its model profile's tools (the OpenAI route's `tools` / `tool_choice`, docs/openai-api.md):
 * `{tools: string[], choice: 'auto' | 'none' | 'required'}`; NULL is the profile's own tools and choice.
 */
export class TurnToolAllowance1764000014000 implements MigrationInterface {
  name = 'TurnToolAllowance1764000014000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE turns ADD COLUMN tool_allowance jsonb
        CHECK (tool_allowance IS NULL OR (jsonb_typeof(tool_allowance -> 'tools') = 'array'
                                          AND tool_allowance ->> 'choice' IN ('auto', 'none', 'required')))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE turns DROP COLUMN tool_allowance`);
  }
}
