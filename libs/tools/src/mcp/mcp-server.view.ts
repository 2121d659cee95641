import { randomUUID } from 'node:crypto';
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

/**
 * What an audit event says of a server (docs/audit.md): never its credentials, and of its endpoint only the URL's
 * origin and path (a query or user info may carry a key) or the stdio command without its arguments.
 */
export function mcpServerAuditDetail(row: McpServerEntity): Record<string, unknown> {
  const endpoint = row.url === null ? row.command : urlWithoutSecrets(row.url);
  return {
    name: row.name,
    transport: row.transport,
    endpoint,
    authType: row.authType,
    risk: row.risk,
    tools: row.tools.map((tool) => tool.name),
  };
}

function urlWithoutSecrets(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** The row of a new registration, tools not yet listed; credentials sealed. */
export function newMcpServerRow(
  tenantId: string,
  spec: McpServerSpec,
  seal: (plain: string) => Buffer,
  timeoutMs: number,
): McpServerEntity {
  const now = new Date();
  const auth = spec.transport === 'streamable-http' ? (spec.auth ?? null) : null;
  return {
    id: randomUUID(),
    tenantId,
    name: spec.name,
    transport: spec.transport,
    url: spec.transport === 'streamable-http' ? spec.url : null,
    command: spec.transport === 'stdio' ? spec.command : null,
    args: spec.transport === 'stdio' ? (spec.args ?? []) : [],
    mounts: spec.transport === 'stdio' ? (spec.mounts ?? []) : [],
    authType: auth?.type ?? 'none',
    authSealed: auth ? seal(JSON.stringify(auth)) : null,
    risk: spec.risk ?? 'medium',
    timeoutMs: spec.timeoutMs ?? timeoutMs,
    tools: [],
    createdAt: now,
    refreshedAt: now,
  };
}
