import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tool an MCP server listed: its name on the server, its name in our registry, and its JSON Schema. */
export interface McpListedTool {
  /** `mcp.<server>.<tool>` as the model, policy and the API see it. */
  name: string;
  /** The tool's own name on the server (what tools/call is sent). */
  remoteName: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** A tenant's MCP server (docs/mcp.md); credentials sealed with SecretBox, never returned. */
@Entity({ name: 'mcp_servers' })
export class McpServerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  transport!: 'streamable-http' | 'stdio';

  @Column('text', { nullable: true })
  url!: string | null;

  @Column('text', { nullable: true })
  command!: string | null;

  @Column('text', { array: true })
  args!: string[];

  /** Host paths bound read-only into a stdio server's jail (at the same path). */
  @Column('text', { array: true })
  mounts!: string[];

  @Column('text', { name: 'auth_type' })
  authType!: 'none' | 'bearer' | 'oauth-client-credentials';

  /** The JSON of the auth settings (token, or client credentials), sealed; null without auth. */
  @Column('bytea', { name: 'auth_sealed', nullable: true })
  authSealed!: Buffer | null;

  @Column('text')
  risk!: 'low' | 'medium' | 'high';

  @Column('integer', { name: 'timeout_ms' })
  timeoutMs!: number;

  @Column('jsonb')
  tools!: McpListedTool[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'refreshed_at' })
  refreshedAt!: Date;
}
