import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A tenant's budget overrides; null falls back to the configured default. */
@Entity({ name: 'tenant_budgets' })
export class TenantBudgetEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('bigint', {
    name: 'daily_token_budget',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  dailyTokenBudget!: number | null;

  @Column('bigint', {
    name: 'session_token_cap',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  sessionTokenCap!: number | null;

  /** Seconds of tool running time per UTC day (all tools); null: SOMA_TENANT_DAILY_TOOL_SECONDS. */
  @Column('bigint', {
    name: 'daily_tool_seconds',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  dailyToolSeconds!: number | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column('uuid', { name: 'updated_by', nullable: true })
  updatedBy!: string | null;
}
