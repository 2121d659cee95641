import { ApiClient, SseStream } from '#soma/client';
import { Topics, type ToolCallFinished } from '#soma/contracts';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appEnv, JAEGER_TEST_PORTS, ROOT, STATE_DIR } from '../support/apps.js';
import { defaultTenantId } from '../support/db.js';
import { ofTurn, TERMINAL, terminalOf } from '../support/events.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { sessionWithProfile, toolTestSession } from '../support/sessions.js';
import { toolRequest } from '../support/tool-requests.js';

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const QUERY = `http://127.0.0.1:${JAEGER_TEST_PORTS.query}`;

/** The project's Jaeger script on the test ports, with a state dir of its own (apart from a running platform's). */
function jaeger(command: 'up' | 'down'): void {
  execFileSync('bash', [join(ROOT, 'scripts', 'jaeger', 'jaeger.sh'), command], {
    env: appEnv({
      SOMA_STATE_DIR: join(STATE_DIR, 'test-jaeger'),
      SOMA_JAEGER_OTLP_HTTP_PORT: String(JAEGER_TEST_PORTS.otlpHttp),
      SOMA_JAEGER_OTLP_GRPC_PORT: String(JAEGER_TEST_PORTS.otlpGrpc),
      SOMA_JAEGER_QUERY_PORT: String(JAEGER_TEST_PORTS.query),
      SOMA_JAEGER_QUERY_GRPC_PORT: String(JAEGER_TEST_PORTS.queryGrpc),
    }),
    stdio: 'inherit',
  });
}

async function traceOf(traceId: string): Promise<JaegerTrace | undefined> {
  const response = await fetch(`${QUERY}/api/traces/${traceId}`);
  if (response.status === 404) return undefined;
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  return body.data?.[0];
}

/** Traces of a service holding a span with this tag (Jaeger's search API). */
async function tracesWithTag(service: string, key: string, value: string): Promise<JaegerTrace[]> {
  const tags = encodeURIComponent(JSON.stringify({ [key]: value }));
  const response = await fetch(`${QUERY}/api/traces?service=${service}&tags=${tags}&lookback=1h&limit=20`);
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  return body.data ?? [];
}

/** Polls until `done` holds (spans are exported in batches, from four processes), within a bounded wait. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

const serviceOf = (trace: JaegerTrace, span: JaegerSpan) => trace.processes[span.processID]?.serviceName;
const tagOf = (span: JaegerSpan, key: string) => span.tags.find((tag) => tag.key === key)?.value;
const servicesOf = (trace: JaegerTrace | undefined) =>
  new Set(trace?.spans.map((span) => serviceOf(trace, span)) ?? []);
const named = (trace: JaegerTrace | undefined, prefix: string) =>
  trace?.spans.filter((span) => span.operationName.startsWith(prefix)) ?? [];

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('OpenTelemetry traces in Jaeger', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);

  beforeAll(() => {
    jaeger('up');
  }, 600_000);
  afterAll(() => {
    jaeger('down');
  });

  it('one turn with a tool call is one trace: gateway, worker (model call), tool executor (policy, sandbox)', async () => {
    const { sessionId } = await sessionWithProfile(api, {
      name: 'traced',
      tools: ['code.execute'],
      toolChoice: 'required',
      maxTokens: 32,
    });
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, api.authHeaders());
    // The caller's trace context: the gateway's span is its child, so the whole turn lands in this trace.
    const traceId = hex(16);
    const posted = await api.request<{ turnId: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
      body: { content: 'Run a small Python program that prints the number 42.' },
      headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
    });
    expect(posted.status).toBe(202);
    const { turnId } = posted.body;
    const events = await stream.waitFor(terminalOf(turnId), 180_000);
    stream.close();
    const ends = events.filter(ofTurn(turnId)).filter((e) => TERMINAL.has(e.event));
    expect(ends.map((e) => e.event)).toEqual(['turn.completed']);

    const wanted = ['soma-gateway', 'soma-conversation-worker', 'soma-tool-executor'];
    const complete = (t: JaegerTrace | undefined) =>
      wanted.every((service) => servicesOf(t).has(service)) &&
      named(t, 'policy opa').length > 0 &&
      named(t, 'policy openfga').length > 0 &&
      named(t, 'sandbox ').length > 0 &&
      named(t, 'execute_tool ').length > 0 &&
      // The tool call's arguments (JSON under a grammar) and the reply after its result.
      named(t, 'chat ').length >= 2 &&
      // The worker's handling of the tool's result, after the tool ran: the trace goes back.
      (t?.spans.some((s) => s.operationName === `process ${Topics.toolResults}`) ?? false);
    const trace = await until(() => traceOf(traceId), complete, 60_000);
    expect(trace, 'the trace is in Jaeger').toBeDefined();
    expect(complete(trace), 'gateway, worker, tool executor, policy and sandbox spans in the trace').toBe(
      true,
    );
    expect([...servicesOf(trace)]).toEqual(expect.arrayContaining(wanted));
    expect(trace?.spans.every((span) => span.traceID === traceId)).toBe(true);

    const gatewaySpan = trace?.spans.find(
      (s) => serviceOf(trace, s) === 'soma-gateway' && tagOf(s, 'http.route') !== undefined,
    );
    expect(gatewaySpan?.operationName).toBe('POST /v1/sessions/:id/messages');

    // The arguments of the tool call come from a model call under a JSON grammar; the reply from a streamed one.
    const chats = named(trace, 'chat ');
    expect(chats.some((span) => tagOf(span, 'gen_ai.output.type') === 'json')).toBe(true);
    const chat = chats.find((span) => tagOf(span, 'gen_ai.output.type') === undefined);
    expect(chat && trace && serviceOf(trace, chat)).toBe('soma-conversation-worker');
    expect(chat && tagOf(chat, 'gen_ai.operation.name')).toBe('chat');
    expect(chat && tagOf(chat, 'gen_ai.request.model')).toBe('SmolLM2-135M-Instruct-Q4_1');
    expect(chat && tagOf(chat, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
    expect(chat && tagOf(chat, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0);

    const tool = named(trace, 'execute_tool ')[0];
    expect(tool && trace && serviceOf(trace, tool)).toBe('soma-tool-executor');
    expect(tool && tagOf(tool, 'gen_ai.operation.name')).toBe('execute_tool');
    expect(tool && tagOf(tool, 'gen_ai.tool.name')).toBe('code.execute');
    expect(['allow', 'deny', 'require_approval']).toContain(tool && tagOf(tool, 'soma.policy.decision'));
    for (const engine of named(trace, 'policy o'))
      expect(['allow', 'deny', 'require_approval', 'error']).toContain(tagOf(engine, 'soma.policy.decision'));
  });

  it('a message with a malformed traceparent is still handled, in a new trace of its own', async () => {
    const probe = new KafkaProbe();
    await probe.start([Topics.toolResults]);
    try {
      const sessionId = await toolTestSession(api);
      const request = toolRequest(await defaultTenantId(), sessionId, 'code.execute', {
        language: 'python',
        code: 'print(7)',
      });
      const bad = 'not-a-traceparent-00-zz';
      await probe.publishRaw(
        Topics.toolRequests,
        sessionId,
        JSON.stringify({ ...request, traceparent: bad, tracestate: 'x=1' }),
      );
      const [result] = await probe.waitFor<ToolCallFinished>(
        (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === request.payload.toolCallId,
        120_000,
      );
      expect(result?.payload.status).toBe('ok');
      // The result carries the new trace the executor started, a valid one.
      expect(result?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      const traces = await until(
        () => tracesWithTag('soma-tool-executor', 'gen_ai.tool.call.id', request.payload.toolCallId),
        (found) => found.length > 0,
        60_000,
      );
      expect(traces).toHaveLength(1);
      const newTrace = result?.traceparent?.split('-')[1];
      expect(traces[0]?.traceID).toBe(newTrace);
      // The executor's warning about it is a log line of that new trace.
      // (The log reaches its file through a pipe: read until the line is there.)
      const warning = await until(
        () =>
          Promise.resolve(
            readFileSync(join(STATE_DIR, 'logs', 'test-tool-executor.log'), 'utf8')
              .split('\n')
              .filter((line) => line.includes(request.eventId) && line.includes('malformed trace context'))
              .map((line) => JSON.parse(line) as { traceId?: string }),
          ),
        (lines) => lines.length > 0,
        10_000,
      );
      expect(warning.map((entry) => entry.traceId)).toEqual([newTrace]);
    } finally {
      await probe.stop();
    }
  });

  it('with Jaeger down, turns still complete', async () => {
    jaeger('down');
    const health = await fetch(`${QUERY}/api/services`).then(
      () => 'up',
      () => 'down',
    );
    expect(health).toBe('down');
    const { sessionId } = await sessionWithProfile(api, { name: 'untraced', maxTokens: 8 });
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, api.authHeaders());
    const { turnId } = await api.postMessage(sessionId, 'Say hello.');
    const events = await stream.waitFor(terminalOf(turnId), 180_000);
    stream.close();
    const ends = events.filter(ofTurn(turnId)).filter((e) => TERMINAL.has(e.event));
    expect(ends.map((e) => e.event)).toEqual(['turn.completed']);
  });
});
