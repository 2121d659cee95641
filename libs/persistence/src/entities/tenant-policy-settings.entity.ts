import { Column, Entity, PrimaryColumn } from 'typeorm';

const bigintNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

/** A tenant's policy settings, loaded into OPA as data.soma.tenants[<tenant id>]; no row = the defaults. */
@Entity({ name: 'tenant_policy_settings' })
export class TenantPolicySettingsEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'egress_hosts', array: true })
  egressHosts!: string[];

  @Column('text', { name: 'allowed_cidrs', array: true })
  allowedCidrs!: string[];

  @Column('integer', { name: 'allowed_ports', array: true })
  allowedPorts!: number[];

  @Column('text', { name: 'disabled_tools', array: true })
  disabledTools!: string[];

  @Column('text', { name: 'user_approval_tools', array: true })
  userApprovalTools!: string[];

  /** From tenant_policy_settings_revision_seq on every write: the highest names the state OPA must hold. */
  @Column('bigint', { transformer: bigintNumber })
  revision!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  /** The API key that made the change. */
  @Column('uuid', { name: 'updated_by', nullable: true })
  updatedBy!: string | null;
}
