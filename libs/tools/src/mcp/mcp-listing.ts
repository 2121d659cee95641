import { type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { type McpListedTool } from '#soma/persistence';
import { ToolError } from '../tools.errors.js';
import { schemaProblem } from './mcp-schema.js';

export const SERVER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_TOOLS = 100;

/** A server's tool name as a segment of ours (`mcp.<server>.<tool>`): lower case, [a-z0-9_-], a letter first. */
export function toolSegment(remoteName: string): string {
  const plain = remoteName
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 64);
  return /^[a-z]/.test(plain) ? plain : `t${plain}`.slice(0, 64);
}

/**
 * The tools a server listed, as they enter the registry; the whole server is refused (MCP_SERVER_INVALID,
 * naming the tool and the reason) when one schema is not JSON Schema or two tools map to one name.
 */
export function listedTools(server: string, tools: readonly McpTool[]): McpListedTool[] {
  if (tools.length === 0) throw new ToolError('MCP_SERVER_INVALID', 'the MCP server lists no tools');
  if (tools.length > MAX_TOOLS)
    throw new ToolError(
      'MCP_SERVER_INVALID',
      `the MCP server lists ${tools.length} tools (at most ${MAX_TOOLS})`,
    );
  const seen = new Map<string, string>();
  return tools.map((tool) => {
    const problem = schemaProblem(tool.inputSchema);
    if (problem)
      throw new ToolError('MCP_SERVER_INVALID', `tool "${tool.name}": inputSchema ${problem}`, {
        tool: tool.name,
      });
    const name = `mcp.${server}.${toolSegment(tool.name)}`;
    const other = seen.get(name);
    if (other !== undefined)
      throw new ToolError('MCP_SERVER_INVALID', `tools "${other}" and "${tool.name}" both become ${name}`);
    seen.set(name, tool.name);
    return {
      name,
      remoteName: tool.name,
      description: (tool.description ?? tool.title ?? tool.name).slice(0, 500),
      inputSchema: { ...tool.inputSchema },
    };
  });
}
