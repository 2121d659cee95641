import { type McpListedTool, type McpServerEntity } from '#soma/persistence';
import { type McpAuth } from './mcp.connector.js';

/** What a registration asks for (the gateway's DTO checks the shape). */
export type McpServerSpec = {
  name: string;
  risk?: 'low' | 'medium' | 'high';
  timeoutMs?: number;
} & (
  | { transport: 'streamable-http'; url: string; auth?: McpAuth }
  | { transport: 'stdio'; command: string; args?: string[]; mounts?: string[] }
);

/** A registered server as the API shows it: never its credentials, only their kind. */
export interface McpServerView {
  id: string;
  name: string;
  transport: 'streamable-http' | 'stdio';
  url: string | null;
  command: string | null;
  args: string[];
  mounts: string[];
  auth: { type: McpServerEntity['authType'] };
  risk: McpServerEntity['risk'];
  timeoutMs: number;
  tools: McpListedTool[];
  createdAt: string;
  refreshedAt: string;
}

export function mcpServerView(row: McpServerEntity): McpServerView {
  return {
    id: row.id,
    name: row.name,
    transport: row.transport,
    url: row.url,
    command: row.command,
    args: row.args,
    mounts: row.mounts,
    auth: { type: row.authType },
    risk: row.risk,
    timeoutMs: row.timeoutMs,
    tools: row.tools,
    createdAt: row.createdAt.toISOString(),
    refreshedAt: row.refreshedAt.toISOString(),
  };
}
