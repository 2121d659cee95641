import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../tools.errors.js';
import { mcpFailure } from './mcp.connector.js';

describe('mcpFailure: one mapping of MCP failures to codes', () => {
  it('a closed connection (a stdio server that exited) is MCP_UNAVAILABLE, not the tool failing', () => {
    expect(mcpFailure(new McpError(ErrorCode.ConnectionClosed, 'Connection closed')).code).toBe(
      'MCP_UNAVAILABLE',
    );
  });

  it("the SDK's request timeout is MCP_TIMEOUT; another JSON-RPC error is TOOL_FAILED", () => {
    expect(mcpFailure(new McpError(ErrorCode.RequestTimeout, 'Request timed out')).code).toBe('MCP_TIMEOUT');
    expect(mcpFailure(new McpError(ErrorCode.InvalidParams, 'bad')).code).toBe('TOOL_FAILED');
  });

  it("a transport's own reason (a garbled stdio line) passes through", () => {
    const failure = new ToolError('MCP_RESULT_INVALID', 'not JSON-RPC');
    expect(mcpFailure(failure)).toBe(failure);
  });
});
