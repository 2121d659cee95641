import { ApiClient } from '#soma/client';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../support/apps.js';
import { sleep } from '../support/events.js';
import {
  auditEvents,
  finishedCall,
  modelToolCall,
  replayedCall,
  requeuedRuleIds,
  type ErrorBody,
  type McpServerView as ServerView,
  type ToolCall,
  withDisabledTools,
} from '../support/mcp.js';
import { drainSessions, sessionWithProfile } from '../support/sessions.js';
import { createTenant } from '../support/tenants.js';

/** The SDK's package directory, real path: the jail binds host paths, and node_modules here may be a symlink. */
const SDK = realpathSync(join(ROOT, 'node_modules', '@modelcontextprotocol', 'sdk'));
const NODE_MODULES = dirname(dirname(SDK));

/**
 * An MCP server of the SDK over stdio (McpServer + StdioServerTransport), run by the gateway and the executor
 * in the sandbox jail. argv: `tools` or `bad-schema`, then a directory whose `exit-at-start` file makes every
 * start from then on exit before it speaks MCP. The low-level handlers list schemas as written (zod would only
 * make valid ones). Echo's structured result carries the id of the process that answered.
 */
const SERVER = `
import { McpServer } from '${SDK}/dist/esm/server/mcp.js';
import { StdioServerTransport } from '${SDK}/dist/esm/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '${SDK}/dist/esm/types.js';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [mode, switches] = process.argv.slice(2);
if (existsSync(switches + '/exit-at-start')) {
  process.stderr.write('told to exit at start\\n');
  process.exit(3);
}
const me = randomUUID();
const object = (properties, required = []) => ({ type: 'object', properties, required });
const tools = [
  { name: 'Echo', description: 'Echoes its text', inputSchema: object({ text: { type: 'string' } }, ['text']) },
  { name: 'hang', description: 'Never answers', inputSchema: object({}) },
  { name: 'crash', description: 'Exits mid-call', inputSchema: object({}) },
  { name: 'garbage', description: 'Writes a line that is not JSON-RPC', inputSchema: object({}) },
  { name: 'read', description: 'Reads a file', inputSchema: object({ path: { type: 'string' } }, ['path']) },
  {
    name: 'connect',
    description: 'Opens a TCP connection',
    inputSchema: object({ host: { type: 'string' }, port: { type: 'integer' } }, ['host', 'port']),
  },
];
const broken = { name: 'broken', inputSchema: { type: 'object', properties: { x: { type: 'nonsense' } } } };
const text = (value) => ({ content: [{ type: 'text', text: value }] });
const server = new McpServer({ name: 'stdio-test', version: '1.0.0' }, { capabilities: { tools: {} } });
server.server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: mode === 'bad-schema' ? [tools[0], broken] : tools,
}));
server.server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
  const args = params.arguments ?? {};
  switch (params.name) {
    case 'Echo':
      return { ...text('echo:' + args.text), structuredContent: { length: args.text.length, process: me } };
    case 'crash':
      process.stderr.write('told to exit mid-call\\n');
      process.exit(4);
    case 'garbage':
      process.stdout.write('this line is not JSON-RPC\\n');
      return new Promise(() => undefined);
    case 'read':
      try {
        return text('read: ' + readFileSync(args.path, 'utf8'));
      } catch (error) {
        return text('refused: ' + error.code);
      }
    case 'connect':
      return new Promise((resolve) => {
        const socket = connect(args.port, args.host);
        socket.once('connect', () => {
          socket.destroy();
          resolve(text('connected'));
        });
        socket.once('error', (error) => resolve(text('refused: ' + error.code)));
      });
    default:
      return new Promise(() => undefined);
  }
});
await server.connect(new StdioServerTransport());
`;

describe('MCP servers as tools (stdio server of the SDK, in the sandbox jail)', () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));
  let tenantId = '';
  let tenantAdmin: ApiClient;
  let sessionId = '';
  /** The script's directory (bound into the jail) and, apart from it, a directory the jail must not see. */
  let scriptDir = '';
  let switches = '';
  let hostDir = '';
  /** A TCP listener on the host's loopback: the jail has no network, so nothing of it may connect. */
  let listener: TcpServer;
  let connections = 0;

  const servers = (tenant = tenantId) => `/v1/tenants/${tenant}/mcp-servers`;
  const register = (body: Record<string, unknown>, tenant = tenantId) => {
    const node = dirname(realpathSync(process.execPath));
    return operator.request<ServerView & ErrorBody>('POST', servers(tenant), {
      body: {
        transport: 'stdio',
        command: process.execPath,
        args: [join(scriptDir, 'server.mjs'), 'tools', switches],
        // Only /usr of the host is in the jail: node elsewhere needs its directory bound too.
        mounts: [...(node.startsWith('/usr/') ? [] : [node]), scriptDir, NODE_MODULES],
        ...body,
      },
    });
  };
  const call = (tool: string, args: Record<string, unknown>) =>
    finishedCall(tenantAdmin, sessionId, tool, args);
  const failure = async (
    tool: string,
    args: Record<string, unknown> = {},
  ): Promise<{ code?: string; message: string }> => {
    const ended = await call(tool, args);
    expect(ended.status, JSON.stringify(ended)).toBe('error');
    return { code: ended.error?.code, message: ended.error?.message ?? '' };
  };

  beforeAll(async () => {
    // World-readable: the jail runs the server as a uid of its own, not the gateway's.
    scriptDir = mkdtempSync(join(tmpdir(), 'soma-mcp-stdio-'));
    switches = join(scriptDir, 'switches');
    mkdirSync(switches);
    writeFileSync(join(scriptDir, 'server.mjs'), SERVER);
    chmodSync(join(scriptDir, 'server.mjs'), 0o644);
    for (const dir of [scriptDir, switches]) chmodSync(dir, 0o755);
    hostDir = mkdtempSync(join(tmpdir(), 'soma-mcp-host-'));
    writeFileSync(join(hostDir, 'secret.txt'), 'host secret');
    chmodSync(join(hostDir, 'secret.txt'), 0o644);
    chmodSync(hostDir, 0o755);
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const tenant = await createTenant('mcp-stdio');
    tenantId = tenant.tenantId;
    tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    sessionId = (await sessionWithProfile(operator, { name: 'mcp-stdio', maxTokens: 4 }, tenantAdmin))
      .sessionId;
  });

  afterAll(async () => {
    await drainSessions(tenantAdmin, [sessionId]);
    await new Promise((resolve) => listener.close(resolve));
    rmSync(scriptDir, { recursive: true, force: true });
    rmSync(hostDir, { recursive: true, force: true });
  });

  it('registers a stdio server: the gateway runs it in the jail and lists its tools', async () => {
    const created = await register({ name: 'files' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.transport).toBe('stdio');
    expect(created.body.tools.map((t) => [t.name, t.remoteName])).toEqual([
      ['mcp.files.echo', 'Echo'],
      ['mcp.files.hang', 'hang'],
      ['mcp.files.crash', 'crash'],
      ['mcp.files.garbage', 'garbage'],
      ['mcp.files.read', 'read'],
      ['mcp.files.connect', 'connect'],
    ]);
    const audited = await auditEvents(operator, tenantId, 'mcp_server.registered');
    // The endpoint of a stdio server is its command without its arguments.
    expect(audited.map((e) => [e.subjectId, e.detail.transport, e.detail.endpoint])).toEqual([
      [created.body.id, 'stdio', process.execPath],
    ]);
  });

  it('refuses a server whose tool schema is not JSON Schema, naming the tool and the reason', async () => {
    const refused = await register({
      name: 'badschema',
      args: [join(scriptDir, 'server.mjs'), 'bad-schema', switches],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('MCP_SERVER_INVALID');
    expect(refused.body.message).toContain('tool "broken"');
    expect(refused.body.message).toContain('not valid JSON Schema');
    const listed = await operator.request<ServerView[]>('GET', servers());
    expect(listed.body.map((s) => s.name)).toEqual(['files']);
  });

  it('runs a user-requested call in the jail and records it with its result', async () => {
    const echoed = await call('mcp.files.echo', { text: 'hello' });
    expect(echoed.status, JSON.stringify(echoed.error)).toBe('ok');
    expect(echoed.requestedBy).toBe('user');
    expect(echoed.output).toEqual({
      text: 'echo:hello',
      structured: { length: 5, process: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown },
    });
  });

  it('a replay session answers the call from the recording; no server runs', async () => {
    const calls = await tenantAdmin.request<{ items: ToolCall[] }>(
      'GET',
      `/v1/sessions/${sessionId}/tool-calls`,
    );
    const recorded = calls.body.items.find((c) => c.tool === 'mcp.files.echo' && c.status === 'ok');
    expect(recorded).toBeDefined();
    const { call: replayed, replaySessionId } = await replayedCall(tenantAdmin, sessionId, 'mcp.files.echo', {
      text: 'never sent',
    });
    try {
      // A server would have echoed "never sent", from a process of another id.
      expect(replayed).toMatchObject({
        status: 'ok',
        source: 'recorded',
        recordedFrom: recorded?.toolCallId,
      });
      expect(replayed.output).toEqual(recorded?.output);
    } finally {
      await drainSessions(tenantAdmin, [replaySessionId]);
    }
  });

  it('the jail: the server reads its own mounts, not a world-readable host file outside them', async () => {
    const own = await call('mcp.files.read', { path: join(scriptDir, 'server.mjs') });
    expect(JSON.stringify(own.output)).toContain('StdioServerTransport');
    const host = await call('mcp.files.read', { path: join(hostDir, 'secret.txt') });
    expect(host.status).toBe('ok');
    expect(host.output).toEqual({ text: 'refused: ENOENT' });
  });

  it('the jail: the server has no network, not even the host loopback', async () => {
    const port = (listener.address() as AddressInfo).port;
    // The listener takes connections from outside the jail.
    await new Promise<void>((resolve, reject) => {
      const socket = createConnection(port, '127.0.0.1', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    while (connections === 0) await sleep(10);
    const before = connections;
    const tried = await call('mcp.files.connect', { host: '127.0.0.1', port });
    expect(tried.status).toBe('ok');
    expect(tried.output).toEqual({ text: 'refused: ECONNREFUSED' });
    expect(connections).toBe(before);
  });

  it('the tenant policy disabling the MCP tool blocks that tenant only, and sends the call to requeue', async () => {
    const other = await createTenant('mcp-stdio-other');
    const otherAdmin = new ApiClient(baseUrl, other.adminKey);
    expect((await register({ name: 'files' }, other.tenantId)).status).toBe(201);
    const otherSession = (await otherAdmin.request<{ id: string }>('POST', '/v1/sessions', { body: {} })).body
      .id;
    try {
      await withDisabledTools(operator, tenantId, ['mcp.files.echo'], async () => {
        const denied = await call('mcp.files.echo', { text: 'denied' });
        expect(denied.status).toBe('blocked');
        expect(await requeuedRuleIds(tenantAdmin, sessionId, denied.toolCallId)).toContain(
          'tools.disabled_for_tenant',
        );
        const allowed = await finishedCall(otherAdmin, otherSession, 'mcp.files.echo', { text: 'fine' });
        expect(allowed.status, JSON.stringify(allowed.error)).toBe('ok');
        expect(allowed.output).toMatchObject({ text: 'echo:fine' });
      });
    } finally {
      await drainSessions(otherAdmin, [otherSession]);
    }
  });

  it('a high-risk server: a user call needs an admin approval and is sent to requeue', async () => {
    expect((await register({ name: 'risky', risk: 'high' })).status).toBe(201);
    const key = await tenantAdmin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'mcp-stdio-user', role: 'user' },
    });
    expect(key.status).toBe(201);
    const user = new ApiClient(baseUrl, key.body.key);
    const userSession = (await user.request<{ id: string }>('POST', '/v1/sessions', { body: {} })).body.id;
    try {
      const held = await finishedCall(user, userSession, 'mcp.risky.echo', { text: 'approve me' });
      expect(held.status).toBe('blocked');
      expect(await requeuedRuleIds(tenantAdmin, userSession, held.toolCallId)).toContain(
        'risk.high_needs_approval',
      );
    } finally {
      await drainSessions(user, [userSession]);
    }
  });

  it('a server that exits mid-call: MCP_UNAVAILABLE, with what its stderr said', async () => {
    const ended = await failure('mcp.files.crash');
    expect(ended.code).toBe('MCP_UNAVAILABLE');
    expect(ended.message).toContain('exited 4');
    expect(ended.message).toContain('told to exit mid-call');
  });

  it('a server that writes a line that is not JSON-RPC: MCP_RESULT_INVALID', async () => {
    const ended = await failure('mcp.files.garbage');
    expect(ended.code).toBe('MCP_RESULT_INVALID');
    expect(ended.message).toContain('not a JSON-RPC message');
  });

  it('a tool that never answers: MCP_TIMEOUT, the server still running when the call gives up', async () => {
    // Three seconds per request: node and the SDK start well within it, the hanging call does not end.
    expect((await register({ name: 'slow', timeoutMs: 3000 })).status).toBe(201);
    const ended = await failure('mcp.slow.hang');
    expect(ended.code).toBe('MCP_TIMEOUT');
    expect(ended.message).toContain('still running');
  });

  it('a model profile naming the MCP tool with toolChoice required: the turn calls it in the jail', async () => {
    const made = await modelToolCall(operator, tenantAdmin, 'mcp-stdio-model', 'mcp.files.echo');
    expect(made?.requestedBy).toBe('model');
    expect(made?.status, JSON.stringify(made?.error)).toBe('ok');
    expect(JSON.stringify(made?.output)).toContain('"text":"echo:');
  }, 300_000);

  it('a server that exits at start: MCP_UNAVAILABLE, with what its stderr said', async () => {
    // Registered while it starts, then every start exits before it speaks MCP.
    writeFileSync(join(switches, 'exit-at-start'), '');
    chmodSync(join(switches, 'exit-at-start'), 0o644);
    try {
      const ended = await failure('mcp.files.echo', { text: 'never echoed' });
      expect(ended.code).toBe('MCP_UNAVAILABLE');
      expect(ended.message).toContain('exited 3');
      expect(ended.message).toContain('told to exit at start');
    } finally {
      rmSync(join(switches, 'exit-at-start'));
    }
  });
});
