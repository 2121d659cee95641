import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../tools.errors.js';
import { jailReason, mcpFailure } from './mcp.connector.js';

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

describe("jailReason: how a stdio server ended, for the failed call's message", () => {
  it('says how it exited and what it said last on stderr', () => {
    const reason = jailReason({
      uid: 200001,
      exit: 'exited 1 after 249 ms',
      limitsHit: [],
      stderr: `${'x'.repeat(1000)}Error: EMFILE: too many open files\n`,
    });
    expect(reason).toMatch(
      /^server exited 1 after 249 ms; stderr: \.\.\.x+Error: EMFILE: too many open files$/,
    );
    expect(reason.length).toBeLessThan(700);
  });

  it('names the cgroup limits it hit, and a silent server', () => {
    expect(
      jailReason({ uid: null, exit: 'still running', limitsHit: ['memory', 'pids'], stderr: ' \n' }),
    ).toBe('server still running; hit its memory and pids limit; nothing on stderr');
  });
});
