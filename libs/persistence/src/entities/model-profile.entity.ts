import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ModelProvider = 'local' | 'openai';

/** How a session's turns are generated: provider, model, sampling, context window, token costs. */
@Entity({ name: 'model_profiles' })
export class ModelProfileEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  provider!: ModelProvider;

  @Column('text')
  model!: string;

  @Column('text', { name: 'base_url', nullable: true })
  baseUrl!: string | null;

  /** The name of the environment variable holding the API key (never the key itself). */
  @Column('text', { name: 'api_key_env', nullable: true })
  apiKeyEnv!: string | null;

  @Column('real')
  temperature!: number;

  @Column('real', { name: 'top_p' })
  topP!: number;

  /** Null: the deployment's SOMA_LLM_MAX_TOKENS. */
  @Column('int', { name: 'max_tokens', nullable: true })
  maxTokens!: number | null;

  /** Null: the deployment's SOMA_LLM_CONTEXT_SIZE. */
  @Column('int', { name: 'context_window', nullable: true })
  contextWindow!: number | null;

  @Column('text', { name: 'system_prompt', nullable: true })
  systemPrompt!: string | null;

  @Column('numeric', { name: 'input_cost_per_1k', transformer: { to: (v: number) => v, from: Number } })
  inputCostPer1k!: number;

  @Column('numeric', { name: 'output_cost_per_1k', transformer: { to: (v: number) => v, from: Number } })
  outputCostPer1k!: number;

  /** Tools the model may call in turns of this profile (empty: none). */
  @Column('jsonb')
  tools!: string[];

  /** auto: the model decides whether to call a tool; required: every turn starts with a tool call. */
  @Column('text', { name: 'tool_choice' })
  toolChoice!: 'auto' | 'required';

  @Column('boolean', { name: 'is_default' })
  isDefault!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
