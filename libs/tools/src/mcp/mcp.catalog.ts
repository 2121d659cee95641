import { Injectable } from '@nestjs/common';
import { McpServerEntity, type McpListedTool } from '#soma/persistence';
import { SecretBox } from '#soma/platform';
import { DataSource } from 'typeorm';
import { type Tool } from '../registry/tool-definition.contract.js';
import { type RegisteredTool, type TenantToolSource } from '../registry/tool.registry.js';
import { McpConnector, MCP_OUTPUT_CAP_BYTES, type McpAuth, type McpEndpoint } from './mcp.connector.js';
import { argumentsValidator } from './mcp-schema.js';

/** How to reach a stored server; its credentials opened only here, when a call needs them. */
export function endpointOf(row: McpServerEntity, secrets: SecretBox): McpEndpoint {
  if (row.transport === 'stdio')
    return {
      id: row.id,
      timeoutMs: row.timeoutMs,
      transport: 'stdio',
      command: row.command ?? '',
      args: row.args,
      mounts: row.mounts,
    };
  const auth: McpAuth | null = row.authSealed ? (JSON.parse(secrets.open(row.authSealed)) as McpAuth) : null;
  return { id: row.id, timeoutMs: row.timeoutMs, transport: 'streamable-http', url: row.url ?? '', auth };
}

/** The whole-call limit the executor enforces: connecting (a jailed node starts) and the call, each timed. */
export const mcpToolTimeoutMs = (serverTimeoutMs: number): number => serverTimeoutMs * 2 + 5000;

/**
 * The tenant's MCP tools for the registry, read from PostgreSQL on each look-up (a registration is seen by every
 * app at once); compiled argument checks are kept per server listing.
 */
@Injectable()
export class McpCatalog implements TenantToolSource {
  private readonly compiled = new Map<string, RegisteredTool>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly connector: McpConnector,
    private readonly secrets: SecretBox,
  ) {}

  async tools(tenantId: string): Promise<RegisteredTool[]> {
    const rows = await this.dataSource.getRepository(McpServerEntity).findBy({ tenantId });
    return rows.flatMap((row) => row.tools.map((listed) => this.entry(row, listed)));
  }

  private entry(row: McpServerEntity, listed: McpListedTool): RegisteredTool {
    const key = `${row.id}:${row.refreshedAt.toISOString()}:${listed.name}`;
    const known = this.compiled.get(key);
    if (known) return known;
    const tool: Tool = {
      name: listed.name,
      description: `${listed.description} (MCP server ${row.name})`,
      parameters: listed.inputSchema,
      risk: row.risk,
      timeoutMs: mcpToolTimeoutMs(row.timeoutMs),
      outputCapBytes: MCP_OUTPUT_CAP_BYTES,
      // What policy sees beside the tool's name: that it is an MCP tool, of which server, over which transport.
      resource: () => ({
        source: 'mcp',
        server: row.name,
        transport: row.transport,
        remote_tool: listed.remoteName,
      }),
      run: (args, context) =>
        this.connector.call(endpointOf(row, this.secrets), listed.remoteName, args, context.signal),
    };
    const entry = { tool, validate: argumentsValidator(listed.inputSchema) };
    this.compiled.set(key, entry);
    return entry;
  }
}
