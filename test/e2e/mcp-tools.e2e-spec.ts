import { ApiClient } from '#soma/client';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WEBHOOK_RECEIVER_HOST } from '../support/apps.js';
import {
  auditEvents,
  finishedCall as finishedCallOf,
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

const TOKEN = `mcp-token-${randomUUID()}`;
/** tools/call requests the test's SDK server has answered (a replay must add none). */
let served = 0;

const ECHO: Tool = {
  name: 'Echo',
  description: 'Echoes its text',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
};
const HANG: Tool = {
  name: 'hang',
  description: 'Never answers',
  inputSchema: { type: 'object', properties: {} },
};
const BAD_SCHEMA: Tool = {
  name: 'broken',
  description: 'Its schema is not JSON Schema',
  inputSchema: { type: 'object', properties: { x: { type: 'nonsense' } } },
};

/** An MCP server of the SDK (stateless Streamable HTTP), listing `tools`; calls of "hang" never end. */
async function sdkAnswer(tools: Tool[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The low-level handlers of the SDK's server: the test lists schemas as written (zod would only make valid ones).
  const server = new McpServer({ name: 'test-mcp', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request) => {
    served++;
    if (request.params.name === 'hang') await new Promise<never>(() => undefined);
    const given = request.params.arguments?.text;
    const text = typeof given === 'string' ? given : '';
    return { content: [{ type: 'text', text: `echo:${text}` }], structuredContent: { length: text.length } };
  });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

/** A hand-written JSON-RPC endpoint: initializes and lists like a server, then answers a malformed call result. */
async function malformedAnswer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw = '';
  for await (const chunk of req) raw += String(chunk);
  const message = JSON.parse(raw) as { id?: number; method: string; params?: { protocolVersion?: string } };
  if (message.id === undefined) {
    res.writeHead(202).end();
    return;
  }
  const result =
    message.method === 'initialize'
      ? {
          protocolVersion: message.params?.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: 'malformed', version: '1' },
        }
      : message.method === 'tools/list'
        ? { tools: [ECHO] }
        : { content: 'not a list of content', isError: 'sometimes' };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    return;
  }
  const answer =
    path === '/malformed'
      ? malformedAnswer(req, res)
      : sdkAnswer(path === '/bad-schema' ? [ECHO, BAD_SCHEMA] : [ECHO, HANG], req, res);
  answer.catch(() => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}

async function listen(): Promise<{ server: HttpServer; base: string }> {
  const server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, WEBHOOK_RECEIVER_HOST, resolve));
  return { server, base: `http://${WEBHOOK_RECEIVER_HOST}:${(server.address() as AddressInfo).port}` };
}

describe('MCP servers as tools (Streamable HTTP server of the SDK in the test process)', () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));
  let tenantId = '';
  let tenantAdmin: ApiClient;
  let sessionId = '';
  let mcp: { server: HttpServer; base: string };

  const servers = () => `/v1/tenants/${tenantId}/mcp-servers`;
  const register = (body: Record<string, unknown>) =>
    operator.request<ServerView & ErrorBody>('POST', servers(), {
      body: { transport: 'streamable-http', auth: { type: 'bearer', token: TOKEN }, ...body },
    });

  const finishedCall = (tool: string, args: Record<string, unknown>) =>
    finishedCallOf(tenantAdmin, sessionId, tool, args);

  beforeAll(async () => {
    mcp = await listen();
    const tenant = await createTenant('mcp');
    tenantId = tenant.tenantId;
    tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    sessionId = (await sessionWithProfile(operator, { name: 'mcp-tools', maxTokens: 4 }, tenantAdmin))
      .sessionId;
  });

  afterAll(async () => {
    await drainSessions(tenantAdmin, [sessionId]);
    await new Promise((resolve) => mcp.server.close(resolve));
  });

  it('registers a server: its tools are listed, named mcp.<server>.<tool>', async () => {
    const created = await register({ name: 'docs', url: `${mcp.base}/mcp`, timeoutMs: 5000 });
    expect(created.status).toBe(201);
    expect(created.body.tools.map((t) => [t.name, t.remoteName])).toEqual([
      ['mcp.docs.echo', 'Echo'],
      ['mcp.docs.hang', 'hang'],
    ]);
    const listed = await operator.request<ServerView[]>('GET', servers());
    expect(listed.status).toBe(200);
    expect(listed.body.map((s) => s.name)).toContain('docs');
    expect(JSON.stringify(listed.body)).not.toContain(TOKEN);
    const audited = await auditEvents(operator, tenantId, 'mcp_server.registered');
    expect(audited.map((e) => [e.actorRole, e.subjectType, e.subjectId, e.detail])).toEqual([
      [
        'operator',
        'mcp_server',
        created.body.id,
        {
          name: 'docs',
          transport: 'streamable-http',
          endpoint: `${mcp.base}/mcp`,
          authType: 'bearer',
          risk: 'medium',
          tools: ['mcp.docs.echo', 'mcp.docs.hang'],
        },
      ],
    ]);
    // The bearer token is sealed in mcp_servers, never in the (append-only, published) audit trail.
    expect(JSON.stringify(audited)).not.toContain(TOKEN);
    // Only operators register servers.
    expect((await tenantAdmin.request('POST', servers(), { body: { name: 'x' } })).status).toBe(403);
  });

  it('refuses a server with a wrong bearer token, with a code, and stores nothing', async () => {
    const refused = await register({
      name: 'wrongkey',
      url: `${mcp.base}/mcp`,
      auth: { type: 'bearer', token: 'x' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('MCP_UNAUTHORIZED');
    const listed = await operator.request<ServerView[]>('GET', servers());
    expect(listed.body.map((s) => s.name)).not.toContain('wrongkey');
    const audited = await auditEvents(operator, tenantId, 'mcp_server.registered');
    expect(audited.map((e) => e.detail.name)).toEqual(['docs']);
  });

  it('refuses a server whose tool schema is not JSON Schema, naming the tool and the reason', async () => {
    const refused = await register({ name: 'badschema', url: `${mcp.base}/bad-schema` });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('MCP_SERVER_INVALID');
    expect(refused.body.message).toContain('tool "broken"');
    expect(refused.body.message).toContain('not valid JSON Schema');
  });

  it('runs a user-requested call and records it with its result', async () => {
    const call = await finishedCall('mcp.docs.echo', { text: 'hello' });
    expect(call.status).toBe('ok');
    expect(call.error).toBeNull();
    expect(call.output).toEqual({ text: 'echo:hello', structured: { length: 5 } });
  });

  it('a replay session answers the MCP call from the recording; the server is not contacted', async () => {
    const calls = await tenantAdmin.request<{ items: ToolCall[] }>(
      'GET',
      `/v1/sessions/${sessionId}/tool-calls`,
    );
    const recorded = calls.body.items.find((c) => c.tool === 'mcp.docs.echo' && c.status === 'ok');
    expect(recorded).toBeDefined();
    const before = served;
    const { call, replaySessionId } = await replayedCall(tenantAdmin, sessionId, 'mcp.docs.echo', {
      text: 'never sent',
    });
    try {
      expect(call).toMatchObject({ status: 'ok', source: 'recorded', recordedFrom: recorded?.toolCallId });
      expect(call.output).toEqual(recorded?.output);
      expect(served).toBe(before);
    } finally {
      await drainSessions(tenantAdmin, [replaySessionId]);
    }
  });

  it('a server that is down: the call ends with MCP_UNAVAILABLE', async () => {
    const doomed = await listen();
    expect((await register({ name: 'gone', url: `${doomed.base}/mcp` })).status).toBe(201);
    doomed.server.closeAllConnections();
    await new Promise((resolve) => doomed.server.close(resolve));
    const call = await finishedCall('mcp.gone.echo', { text: 'x' });
    expect(call.status).toBe('error');
    expect(call.error?.code).toBe('MCP_UNAVAILABLE');
  });

  it('a tool that never answers: the call ends with MCP_TIMEOUT', async () => {
    expect((await register({ name: 'slow', url: `${mcp.base}/mcp`, timeoutMs: 500 })).status).toBe(201);
    const call = await finishedCall('mcp.slow.hang', {});
    expect(call.status).toBe('error');
    expect(call.error?.code).toBe('MCP_TIMEOUT');
  });

  it('a malformed call result: the call ends with MCP_RESULT_INVALID', async () => {
    expect((await register({ name: 'malformed', url: `${mcp.base}/malformed` })).status).toBe(201);
    const call = await finishedCall('mcp.malformed.echo', { text: 'x' });
    expect(call.status).toBe('error');
    expect(call.error?.code).toBe('MCP_RESULT_INVALID');
  });

  it('refuses arguments that break the server schema before policy, with the reason', async () => {
    const refused = await tenantAdmin.request<ErrorBody>('POST', `/v1/sessions/${sessionId}/tool-calls`, {
      body: { tool: 'mcp.docs.echo', arguments: { text: 42 } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('INVALID_ARGUMENTS');
  });

  it('the tenant policy disabling the MCP tool blocks the call and sends it to requeue', async () => {
    await withDisabledTools(operator, tenantId, ['mcp.docs.echo'], async () => {
      const call = await finishedCall('mcp.docs.echo', { text: 'denied' });
      expect(call.status).toBe('blocked');
      expect(await requeuedRuleIds(tenantAdmin, sessionId, call.toolCallId)).toContain(
        'tools.disabled_for_tenant',
      );
    });
  });

  it('a model profile naming the MCP tool with toolChoice required: the turn calls it', async () => {
    const call = await modelToolCall(operator, tenantAdmin, 'mcp-model', 'mcp.docs.echo');
    expect(call?.requestedBy).toBe('model');
    expect(call?.status).toBe('ok');
    expect(JSON.stringify(call?.output)).toContain('"text":"echo:');
  }, 300_000);
});
