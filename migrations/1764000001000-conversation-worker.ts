import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Model profiles, turn leases and recorded contexts, budgets and the usage ledger. */
export class ConversationWorker1764000001000 implements MigrationInterface {
  name = 'ConversationWorker1764000001000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE model_profiles (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        provider text NOT NULL CHECK (provider IN ('local', 'openai')),
        model text NOT NULL,
        base_url text,
        api_key_env text,
        temperature real NOT NULL DEFAULT 0.7 CHECK (temperature >= 0 AND temperature <= 2),
        top_p real NOT NULL DEFAULT 0.9 CHECK (top_p > 0 AND top_p <= 1),
        max_tokens integer CHECK (max_tokens > 0),
        context_window integer CHECK (context_window >= 64),
        system_prompt text,
        input_cost_per_1k numeric(14, 6) NOT NULL DEFAULT 0,
        output_cost_per_1k numeric(14, 6) NOT NULL DEFAULT 0,
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_model_profiles_name UNIQUE (name)
      );
      CREATE UNIQUE INDEX uq_model_profiles_default ON model_profiles (is_default) WHERE is_default;
      INSERT INTO model_profiles (id, name, provider, model, is_default)
        VALUES ('00000000-0000-4000-8000-000000000001', 'local-default', 'local', 'SmolLM2-135M-Instruct-Q4_1', true);

      ALTER TABLE sessions
        ADD COLUMN model_profile_id uuid REFERENCES model_profiles(id),
        ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;

      ALTER TABLE turns
        ADD COLUMN model_profile_id uuid REFERENCES model_profiles(id),
        ADD COLUMN lease_owner text,
        ADD COLUMN lease_expires_at timestamptz,
        ADD COLUMN context jsonb,
        ADD COLUMN context_tokens integer,
        ADD COLUMN context_digest text,
        ADD COLUMN dropped_messages integer,
        ADD COLUMN generation_started_at timestamptz,
        ADD COLUMN generation_ended_at timestamptz;
      CREATE INDEX ix_turns_running_lease ON turns (lease_expires_at) WHERE status = 'running';

      ALTER TABLE messages
        ADD COLUMN tool_call_id uuid,
        ADD COLUMN classification jsonb;

      CREATE TABLE tenant_budgets (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        daily_token_budget bigint CHECK (daily_token_budget >= 0),
        session_token_cap bigint CHECK (session_token_cap >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );

      CREATE TABLE usage_ledger (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        session_id uuid NOT NULL REFERENCES sessions(id),
        turn_id uuid NOT NULL REFERENCES turns(id),
        model_profile_id uuid REFERENCES model_profiles(id),
        day date NOT NULL,
        prompt_tokens integer NOT NULL CHECK (prompt_tokens >= 0),
        completion_tokens integer NOT NULL CHECK (completion_tokens >= 0),
        cost numeric(16, 6) NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_usage_ledger_turn UNIQUE (turn_id)
      );
      CREATE INDEX ix_usage_ledger_tenant_day ON usage_ledger (tenant_id, day);
      CREATE INDEX ix_usage_ledger_session ON usage_ledger (session_id);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TABLE usage_ledger; DROP TABLE tenant_budgets;
      ALTER TABLE messages DROP COLUMN tool_call_id, DROP COLUMN classification;
      ALTER TABLE turns DROP COLUMN model_profile_id, DROP COLUMN lease_owner, DROP COLUMN lease_expires_at,
        DROP COLUMN context, DROP COLUMN context_tokens, DROP COLUMN context_digest, DROP COLUMN dropped_messages,
        DROP COLUMN generation_started_at, DROP COLUMN generation_ended_at;
      ALTER TABLE sessions DROP COLUMN model_profile_id, DROP COLUMN last_seq;
      DROP TABLE model_profiles;
    `);
  }
}
