import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * MCP servers registered per tenant (docs/mcp.md): how to reach one (Streamable HTTP URL or a stdio command run
 * in the sandbox jail), its credentials sealed (AES-256-GCM), and the tools it listed at registration or at the
 * last refresh, with their JSON Schemas.
 */
export class McpServers1764000012000 implements MigrationInterface {
  name = 'McpServers1764000012000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE mcp_servers (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        name text NOT NULL,
        transport text NOT NULL CHECK (transport IN ('streamable-http', 'stdio')),
        url text,
        command text,
        args text[] NOT NULL DEFAULT '{}',
        mounts text[] NOT NULL DEFAULT '{}',
        auth_type text NOT NULL CHECK (auth_type IN ('none', 'bearer', 'oauth-client-credentials')),
        auth_sealed bytea,
        risk text NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
        timeout_ms integer NOT NULL,
        tools jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        refreshed_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((transport = 'streamable-http') = (url IS NOT NULL)),
        CHECK ((transport = 'stdio') = (command IS NOT NULL))
      );
      CREATE UNIQUE INDEX uq_mcp_servers_tenant_name ON mcp_servers (tenant_id, name);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE mcp_servers;`);
  }
}
