import { Injectable } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import { AddressGuard, EgressError, sendPinned, SomaConfig } from '#soma/platform';
import { type ToolOutcome } from '../registry/tool-definition.contract.js';
import { SandboxRunner, type JailDiagnosis } from '../sandbox/sandbox.runner.js';
import { ToolError } from '../tools.errors.js';
import { JailedStdioTransport, pinnedFetch } from './mcp-transports.js';

/** Credentials of a Streamable HTTP server, as sealed in PostgreSQL. */
export type McpAuth =
  | { type: 'bearer'; token: string }
  | {
      type: 'oauth-client-credentials';
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
    };

/** How to reach one server. */
export type McpEndpoint = { id: string; timeoutMs: number } & (
  | { transport: 'streamable-http'; url: string; auth: McpAuth | null }
  | { transport: 'stdio'; command: string; args: string[]; mounts: string[] }
);

/** Bytes of one MCP answer (HTTP body or stdio message) read at most. */
export const MCP_RESPONSE_CAP_BYTES = 1024 * 1024;
/** Characters of a stdio server's stderr (its end) in a failed call's message; the log has more. */
const STDERR_IN_MESSAGE = 600;
/** Serialised tool output returned at most (the executor's cap, as for built-in tools). */
export const MCP_OUTPUT_CAP_BYTES = 64 * 1024;

const STDIO_LIMITS = {
  memoryMb: 1024,
  runMemoryMb: 384,
  maxProcesses: 32,
  cpuPercent: 100,
  diskMb: 16,
  maxFileMb: 8,
  // Not code.execute's 128: node's ESM loader opens every import of a module at once (the SDK's zod imports its
  // 60-odd locales in one go), so a server's peak of open files depends on how its reads interleave, and under
  // load it passed 128 (EMFILE at start: the race of docs/mcp.md). The SDK's server opens about 340 files
  // in all, so 1024 (Linux's usual soft limit) holds it at any interleaving; the cgroup bounds the kernel memory.
  maxOpenFiles: 1024,
  outputCapBytes: MCP_RESPONSE_CAP_BYTES,
};

/** access_token and expires_in of an OAuth token answer, when it has them. */
function tokenAnswer(body: string): { token?: string; expiresIn?: number } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const token = 'access_token' in parsed ? parsed.access_token : undefined;
    const expiresIn = 'expires_in' in parsed ? parsed.expires_in : undefined;
    return {
      token: typeof token === 'string' ? token : undefined,
      expiresIn: typeof expiresIn === 'number' ? expiresIn : undefined,
    };
  } catch {
    return {};
  }
}

/** JSON-RPC code of the SDK's request timeout (ErrorCode.RequestTimeout). */
const REQUEST_TIMEOUT: number = ErrorCode.RequestTimeout;
/** JSON-RPC code of the SDK's closed connection (ErrorCode.ConnectionClosed). */
const CONNECTION_CLOSED: number = ErrorCode.ConnectionClosed;

/** The one mapping of MCP failures to our codes (docs/mcp.md). */
export function mcpFailure(error: unknown): ToolError {
  if (error instanceof ToolError) return error;
  if (error instanceof EgressError) return new ToolError('EGRESS_REFUSED', error.message);
  if (error instanceof McpError && error.code === REQUEST_TIMEOUT)
    return new ToolError('MCP_TIMEOUT', `the MCP server did not answer in time: ${error.message}`);
  if (error instanceof StreamableHTTPError && (error.code === 401 || error.code === 403))
    return new ToolError('MCP_UNAUTHORIZED', `the MCP server refused our credentials (HTTP ${error.code})`);
  // The SDK rejects an answer that does not match the MCP result schema with the schema's (zod) error.
  if (error instanceof Error && 'issues' in error)
    return new ToolError(
      'MCP_RESULT_INVALID',
      `the MCP server's answer is malformed: ${error.message.slice(0, 500)}`,
    );
  // The server went away mid-request (a stdio server that exited, a dropped stream): not the tool's answer.
  if (error instanceof McpError && error.code === CONNECTION_CLOSED)
    return new ToolError('MCP_UNAVAILABLE', `the MCP server closed the connection: ${error.message}`);
  if (error instanceof McpError)
    return new ToolError('TOOL_FAILED', `the MCP server answered: ${error.message}`);
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return new ToolError(
    'MCP_UNAVAILABLE',
    `the MCP server is unavailable: ${(error as Error).message}${cause ? `: ${cause}` : ''}`,
  );
}

/** How a stdio server's jail saw it end, short enough for a tool call's error message. */
export function jailReason(diagnosis: JailDiagnosis): string {
  const stderr = diagnosis.stderr.trim();
  return [
    `server ${diagnosis.exit}`,
    ...(diagnosis.limitsHit.length > 0 ? [`hit its ${diagnosis.limitsHit.join(' and ')} limit`] : []),
    stderr === ''
      ? 'nothing on stderr'
      : `stderr: ${stderr.length > STDERR_IN_MESSAGE ? '...' : ''}${stderr.slice(-STDERR_IN_MESSAGE)}`,
  ].join('; ');
}

/** An MCP result as our tool outcome: its text content (and structured content), isError as TOOL_FAILED. */
export function mcpOutcome(result: CallToolResult): ToolOutcome {
  const text = result.content
    .map((item) =>
      item.type === 'text' ? item.text : `[${item.type}${'mimeType' in item ? ` ${item.mimeType}` : ''}]`,
    )
    .join('\n');
  const output =
    result.structuredContent === undefined ? { text } : { text, structured: result.structuredContent };
  if (result.isError === true)
    return { status: 'error', output, error: { code: 'TOOL_FAILED', message: text.slice(0, 500) } };
  return { status: 'ok', output };
}

/**
 * Talks to MCP servers with the official SDK client: Streamable HTTP pinned to the address the egress guard
 * checked, with a bearer token or an OAuth client-credentials token (cached until it expires); stdio servers
 * started per use in the sandbox jail (no network, own uid and cgroup, seccomp, read-only binds only).
 */
@Injectable()
export class McpConnector {
  private readonly guard: AddressGuard;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    config: SomaConfig,
    private readonly sandbox: SandboxRunner,
  ) {
    this.guard = new AddressGuard(config.egressAllowCidrs);
  }

  listTools(endpoint: McpEndpoint, signal: AbortSignal): Promise<McpTool[]> {
    return this.session(endpoint, signal, async (client, options) => {
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, options);
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor && tools.length < 1000);
      return tools;
    });
  }

  async call(
    endpoint: McpEndpoint,
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ToolOutcome> {
    try {
      return await this.session(endpoint, signal, async (client, options) => {
        const result = await client.callTool({ name: tool, arguments: args }, undefined, options);
        if ('toolResult' in result)
          throw new ToolError('MCP_RESULT_INVALID', 'the MCP server answered in the pre-2024 result format');
        return mcpOutcome(result);
      });
    } catch (error) {
      const failure = mcpFailure(error);
      return { status: 'error', output: null, error: { code: failure.code, message: failure.message } };
    }
  }

  private async session<T>(
    endpoint: McpEndpoint,
    signal: AbortSignal,
    use: (client: Client, options: { signal: AbortSignal; timeout: number }) => Promise<T>,
  ): Promise<T> {
    const options = { signal, timeout: endpoint.timeoutMs, maxTotalTimeout: endpoint.timeoutMs };
    const client = new Client({ name: 'soma-agent', version: '1.0.0' });
    const talk = async (): Promise<T> => {
      try {
        return await use(client, options);
      } finally {
        await client.close().catch(() => undefined);
      }
    };
    try {
      if (endpoint.transport === 'stdio') {
        const program = {
          argv: [endpoint.command, ...endpoint.args],
          file: null,
          mounts: endpoint.mounts,
          // Address space, not memory (the cgroup's runMemoryMb is): a node server's V8 reserves ~1 GiB and
          // aborts with "heap out of memory" at its first allocations under 1 GiB of RLIMIT_AS.
          extraMb: 1024,
        };
        const limits = { ...STDIO_LIMITS, timeoutMs: endpoint.timeoutMs * 2 + 2000 };
        return await this.sandbox.session(program, limits, signal, async (child, jail) => {
          const transport = new JailedStdioTransport(child, MCP_RESPONSE_CAP_BYTES);
          try {
            await client.connect(transport, options);
            return await talk();
          } catch (error) {
            // The SDK reports a garbled stream as a closed connection; the transport knows the reason.
            const failure = mcpFailure(transport.failure ?? error);
            if (failure.code === 'EGRESS_REFUSED') throw failure;
            throw new ToolError(failure.code, `${failure.message} (${jailReason(await jail.diagnosis())})`);
          }
        });
      }
      const target = await this.guard.resolve(endpoint.url);
      const headers: Record<string, string> = {};
      if (endpoint.auth)
        headers.authorization = `Bearer ${await this.token(endpoint.id, endpoint.auth, signal)}`;
      const transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
        fetch: pinnedFetch(target, MCP_RESPONSE_CAP_BYTES),
        requestInit: { headers },
      });
      await client.connect(transport, options);
      return await talk();
    } catch (error) {
      throw mcpFailure(error);
    }
  }

  /** The bearer token, or a client-credentials token from tokenUrl (through the egress guard), cached until expiry. */
  private async token(serverId: string, auth: McpAuth, signal: AbortSignal): Promise<string> {
    if (auth.type === 'bearer') return auth.token;
    const key = `${serverId}:${auth.clientId}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: auth.clientId,
      client_secret: auth.clientSecret,
    });
    if (auth.scope) form.set('scope', auth.scope);
    const response = await sendPinned(await this.guard.resolve(auth.tokenUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      timeoutMs: 10_000,
      maxResponseBytes: 64 * 1024,
      signal,
    });
    if (response.status === 400 || response.status === 401 || response.status === 403)
      throw new ToolError(
        'MCP_UNAUTHORIZED',
        `the OAuth token endpoint refused the client credentials (HTTP ${response.status})`,
      );
    const { token, expiresIn } = tokenAnswer(response.body);
    if (response.status !== 200 || token === undefined)
      throw new ToolError(
        'MCP_UNAVAILABLE',
        `the OAuth token endpoint answered ${response.status} without a token`,
      );
    const seconds = expiresIn !== undefined && expiresIn > 0 ? expiresIn : 300;
    // Refreshed 30 s early so a token never expires mid-call.
    this.tokens.set(key, { token, expiresAt: Date.now() + Math.max(seconds - 30, 1) * 1000 });
    return token;
  }
}
