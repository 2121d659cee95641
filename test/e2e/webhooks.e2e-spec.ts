import { createEnvelope, Topics, type PolicyDecision } from '#soma/contracts';
import { ApiClient, type Page } from '#soma/client';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, TEST_PORTS, WEBHOOK_RECEIVER_HOST } from '../support/apps.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { completedTurn, drainSessions, sessionWithProfile } from '../support/sessions.js';
import { createTenant } from '../support/tenants.js';
import { withDb } from '../support/db.js';
import { toolRequest } from '../support/tool-requests.js';

interface WebhookEventBody {
  id: string;
  type: string;
  occurredAt: string;
  tenantId: string;
  sessionId: string | null;
  data: Record<string, unknown>;
}
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: WebhookEventBody;
  /** Whether the signature checked out against the endpoint's secret (the receiver answers 401 if not). */
  verified: boolean;
  answered: number;
}
interface Created {
  id: string;
  url: string;
  eventTypes: string[];
  secret: string;
}
interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
}
interface DeadLetter {
  id: string;
  sourceTopic: string;
  reason: string;
  detail: string;
  eventId: string | null;
  tenantId: string | null;
  status: string;
  value: string | null;
}
interface ErrorBody {
  statusCode: number;
  error: string;
  field?: string;
  reason?: string;
  fields?: { field: string; errors: string[] }[];
}

/** The README's verification snippet: HMAC-SHA256 over `${t}.${body}`, constant-time compare, 5 min tolerance. */
function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  toleranceSec = 300,
): boolean {
  const parts = new Map((header ?? '').split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSec) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}

/** A webhook receiver on the one loopback address the test apps may reach; answers from a script, then 200. */
class Receiver {
  readonly received: Received[] = [];
  secret = '';
  private server: Server | undefined;
  private listeners: (() => void)[] = [];

  constructor(
    private readonly script: number[] = [],
    private readonly delayMs = 0,
  ) {}

  async start(port = 0, host = WEBHOOK_RECEIVER_HOST): Promise<number> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const verified = verifySignature(
          this.secret,
          req.headers['soma-signature'] as string | undefined,
          body,
        );
        const answered = verified ? (this.script.shift() ?? 200) : 401;
        this.received.push({
          headers: req.headers,
          body,
          event: JSON.parse(body) as WebhookEventBody,
          verified,
          answered,
        });
        setTimeout(() => {
          res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'no');
        }, this.delayMs);
        for (const listener of this.listeners) listener();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  of(eventId: string): Received[] {
    return this.received.filter((r) => r.headers['soma-event-id'] === eventId);
  }

  /** Resolves when what `probe` looks for has arrived (checked on every request, not on a timer). */
  waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((listener) => listener !== check);
        reject(
          new Error(
            `timed out waiting for ${what}; received ${JSON.stringify(this.received.map((r) => [r.event.type, r.answered]))}`,
          ),
        );
      }, timeoutMs);
      this.listeners.push(check);
      check();
    });
  }
}

/** A port on the receivers' address with nothing listening on it (yet): an endpoint that is down. */
async function freePort(): Promise<number> {
  const probe = new Receiver();
  const port = await probe.start();
  await probe.stop();
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A counter of an app's /metrics, summed over the series that carry `label`. */
async function counter(port: number, name: string, label: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('webhooks: signed deliveries, retries, dead letters and replay (real services)', () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));
  const flaky = new Receiver([500, 500]);
  const later = new Receiver();
  const requeueReceiver = new Receiver();
  const probe = new KafkaProbe();
  let admin: ApiClient;
  let other: ApiClient;
  let tenantId: string;
  let sessionId: string;
  let flakyPort: number;
  let downPort: number;
  let flakyHook: Created;
  let downHook: Created;
  let turnEventId: string;

  const register = async (url: string, eventTypes: string[], client = admin) => {
    const response = await client.request<Created>('POST', '/v1/webhooks', { body: { url, eventTypes } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };
  const deliveryOf = async (hook: Created, eventId: string) => {
    const page = await admin.request<{ items: Delivery[] }>('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(page.status).toBe(200);
    return page.body.items.find((d) => d.eventId === eventId);
  };

  /** A call policy holds for approval, as the tool executor reports it: requeue creates an item for it. */
  /** A call policy holds for approval, as the tool executor reports it (`tool.call.blocked`). */
  const blockedCall = () => {
    const request = toolRequest(
      tenantId,
      sessionId,
      'code.execute',
      { language: 'python', code: 'print(1)' },
      { principal: { role: 'user', keyId: null } },
    );
    const decision: PolicyDecision = {
      outcome: 'require_approval',
      mode: 'enforcing',
      ruleIds: ['test.webhooks'],
      reasons: ['needs a human'],
      engines: [],
      cached: false,
      transient: false,
    };
    return createEnvelope(
      'tool.call.blocked',
      { tenantId, sessionId, correlationId: randomUUID(), causationId: request.eventId },
      { request: request.payload, decision },
    );
  };
  /** Publishes a new blocked call: requeue creates an item for it. Returns its toolCallId. */
  const blockCall = async (): Promise<string> => {
    const blocked = blockedCall();
    await probe.publish(Topics.toolBlocked, blocked);
    return blocked.payload.request.toolCallId;
  };

  beforeAll(async () => {
    const tenant = await createTenant('webhooks');
    tenantId = tenant.tenantId;
    admin = new ApiClient(baseUrl, tenant.adminKey);
    other = new ApiClient(baseUrl, (await createTenant('webhooks-other')).adminKey);
    sessionId = (await sessionWithProfile(operator, { name: 'webhooks', maxTokens: 4 }, admin)).sessionId;
    flakyPort = await flaky.start();
    downPort = await freePort();
    await probe.start([Topics.toolBlocked]);
  });

  afterAll(async () => {
    await drainSessions(admin, [sessionId]);
    await Promise.all([flaky.stop(), later.stop(), requeueReceiver.stop(), probe.stop()]);
  });

  it('a turn.completed arrives signed; after two 500s the third attempt of the same event succeeds', async () => {
    const types = ['turn.completed', 'turn.failed'];
    flakyHook = await register(`http://${WEBHOOK_RECEIVER_HOST}:${flakyPort}/hooks/soma`, types);
    expect(flakyHook.secret).toMatch(/^whsec_/);
    expect(flakyHook.eventTypes).toEqual(types);
    flaky.secret = flakyHook.secret;
    downHook = await register(`http://${WEBHOOK_RECEIVER_HOST}:${downPort}/`, types);
    later.secret = downHook.secret;

    const turnId = await completedTurn(admin, sessionId, 'Say hello.');
    const attempts = await flaky.waitFor('three attempts of the turn.completed', () => {
      const event = flaky.received.find(
        (r) => r.event.type === 'turn.completed' && r.event.data.turnId === turnId,
      );
      const all = event ? flaky.of(event.event.id) : [];
      return all.length >= 3 ? all : undefined;
    });
    turnEventId = attempts[0]?.event.id ?? '';
    expect(attempts.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(attempts.every((r) => r.verified)).toBe(true);
    expect(attempts.map((r) => r.headers['soma-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    expect(new Set(attempts.map((r) => r.headers['soma-delivery-id'])).size).toBe(1);
    const [first] = attempts;
    expect(first?.headers['soma-event-type']).toBe('turn.completed');
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.event).toMatchObject({ id: turnEventId, type: 'turn.completed', tenantId, sessionId });
    expect(first?.event.data).toMatchObject({ turnId, usage: { totalTokens: expect.any(Number) as number } });
    // The check is not vacuous: another secret, or one changed byte of the body, fails it.
    expect(
      verifySignature(downHook.secret, first?.headers['soma-signature'] as string, first?.body ?? ''),
    ).toBe(false);
    expect(
      verifySignature(flakyHook.secret, first?.headers['soma-signature'] as string, `${first?.body} `),
    ).toBe(false);

    const delivered = await until('the delivery recorded as delivered', async () => {
      const delivery = await deliveryOf(flakyHook, turnEventId);
      return delivery?.status === 'delivered' ? delivery : undefined;
    });
    expect(delivered).toMatchObject({ eventType: 'turn.completed', attempts: 3, lastStatusCode: 200 });
  });

  it('an endpoint that stays down ends in a dead letter; its replay delivers once the receiver is back', async () => {
    const letter = await until('the webhook dead letter', async () => {
      const page = await operator.request<{ items: DeadLetter[] }>(
        'GET',
        `/v1/dead-letters?sourceTopic=webhook.deliveries&tenantId=${tenantId}&limit=50`,
      );
      return page.body.items.find((l) => l.eventId === turnEventId);
    });
    expect(letter).toMatchObject({ reason: 'WEBHOOK_RETRIES_EXHAUSTED', status: 'stored', tenantId });
    expect(letter.detail).toMatch(/4 attempts/);
    expect(JSON.parse(letter.value ?? '{}')).toMatchObject({ id: turnEventId, type: 'turn.completed' });
    expect(await deliveryOf(downHook, turnEventId)).toMatchObject({
      status: 'dead_lettered',
      attempts: 4,
      lastStatusCode: null,
      lastError: expect.stringMatching(/ECONNREFUSED/) as string,
    });
    expect(later.received).toHaveLength(0);

    await later.start(downPort);
    const replay = await operator.request<{ status: string; eventId: string }>(
      'POST',
      `/v1/dead-letters/${letter.id}/replay`,
      { body: { reason: 'receiver is back' } },
    );
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);
    expect(replay.body).toMatchObject({ status: 'replayed', eventId: turnEventId });
    const [redelivered] = await later.waitFor('the replayed delivery', () => {
      const got = later.of(turnEventId);
      return got.length > 0 ? got : undefined;
    });
    expect(redelivered).toMatchObject({ verified: true, answered: 200 });
    expect(redelivered?.event).toMatchObject({ id: turnEventId, type: 'turn.completed' });
    await until('the replayed delivery recorded', async () => {
      const delivery = await deliveryOf(downHook, turnEventId);
      return delivery?.status === 'delivered' ? delivery : undefined;
    });
    const again = await operator.request<ErrorBody>('POST', `/v1/dead-letters/${letter.id}/replay`, {
      body: { reason: 'twice' },
    });
    expect(again.status).toBe(409);
    expect(later.of(turnEventId)).toHaveLength(1);
  });

  it('a new requeue item is a requeue.item_created event, only for endpoints that subscribe to it', async () => {
    const port = await requeueReceiver.start();
    const hook = await register(`http://${WEBHOOK_RECEIVER_HOST}:${port}/requeue`, ['requeue.item_created']);
    requeueReceiver.secret = hook.secret;
    const blocked = blockedCall();
    const toolCallId = blocked.payload.request.toolCallId;
    await probe.publish(Topics.toolBlocked, blocked);
    const got = await requeueReceiver.waitFor('requeue.item_created', () =>
      requeueReceiver.received.find((r) => r.event.data.toolCallId === toolCallId),
    );
    expect(got).toMatchObject({ verified: true, answered: 200 });
    expect(got.event).toMatchObject({ type: 'requeue.item_created', tenantId, sessionId });
    expect(got.event.data).toMatchObject({
      tool: 'code.execute',
      status: 'pending',
      reasons: ['needs a human'],
    });
    expect(requeueReceiver.received.every((r) => r.event.type === 'requeue.item_created')).toBe(true);
    expect(flaky.received.some((r) => r.event.type === 'requeue.item_created')).toBe(false);

    // A redelivery of the blocked event creates no item, so no event. The session's messages are consumed in
    // order: once the next call's delivery row exists, the redelivery was handled before it.
    await probe.publish(Topics.toolBlocked, blocked);
    const next = await blockCall();
    await requeueReceiver.waitFor('the next call', () =>
      requeueReceiver.received.find((r) => r.event.data.toolCallId === next),
    );
    const rows = await admin.request<{ items: Delivery[] }>('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(rows.body.items).toHaveLength(2);
    expect(requeueReceiver.received.filter((r) => r.event.data.toolCallId === toolCallId)).toHaveLength(1);
    // Deleted, it receives nothing more (the two-instance test below checks that).
    expect((await admin.request('DELETE', `/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('refuses internal addresses (400 naming the url) and unknown event types (400 naming the field)', async () => {
    for (const [url, reason] of [
      [`http://127.0.0.1:${flakyPort}/`, 'LOOPBACK'],
      ['http://169.254.169.254/', 'LINK_LOCAL'],
      ['http://localhost/', 'LOOPBACK'],
      ['http://[::1]:8080/', 'LOOPBACK'],
      ['http://10.0.0.8/hook', 'PRIVATE'],
    ] as const) {
      const response = await admin.request<ErrorBody>('POST', '/v1/webhooks', {
        body: { url, eventTypes: ['turn.completed'] },
      });
      expect(response.status, url).toBe(400);
      expect(response.body, url).toMatchObject({ error: 'WEBHOOK_URL_NOT_ALLOWED', field: 'url', reason });
    }
    const unknown = await admin.request<ErrorBody>('POST', '/v1/webhooks', {
      body: {
        url: `http://${WEBHOOK_RECEIVER_HOST}:${flakyPort}/`,
        eventTypes: ['turn.completed', 'turn.exploded'],
      },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('VALIDATION_FAILED');
    expect(unknown.body.fields?.map((f) => f.field)).toContain('eventTypes');
    const user = await admin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'webhooks user', role: 'user' },
    });
    const asUser = await new ApiClient(baseUrl, user.body.key).request<ErrorBody>('GET', '/v1/webhooks');
    expect(asUser.status).toBe(403);
  });

  it('checks the address again at every delivery: a URL now internal gets nothing and ends in a dead letter', async () => {
    const internal = new Receiver();
    const internalPort = await internal.start(0, '127.0.0.1');
    try {
      const hook = await register(`http://${WEBHOOK_RECEIVER_HOST}:${internalPort}/`, [
        'requeue.item_created',
      ]);
      // What a name rebound to an internal address looks like at delivery time (the guard resolves it again).
      await withDb((db) =>
        db.query('UPDATE webhook_endpoints SET url = $2 WHERE id = $1', [
          hook.id,
          `http://127.0.0.1:${internalPort}/`,
        ]),
      );
      await blockCall();
      const letter = await until('the dead letter of the refused delivery', async () => {
        const page = await operator.request<{ items: (DeadLetter & { headers: Record<string, string> })[] }>(
          'GET',
          `/v1/dead-letters?sourceTopic=webhook.deliveries&tenantId=${tenantId}&limit=50`,
        );
        return page.body.items.find((l) => l.headers['soma-webhook-endpoint'] === hook.id);
      });
      expect(letter.detail).toMatch(/EGRESS_ADDRESS_REFUSED/);
      expect(internal.received).toHaveLength(0);
      expect((await admin.request('DELETE', `/v1/webhooks/${hook.id}`)).status).toBe(204);
    } finally {
      await internal.stop();
    }
  });

  it('two requeue instances deliver every event once (claims skip what the other holds)', async () => {
    const receiver = new Receiver([], 150);
    const port = await receiver.start();
    const second = await startApp('requeue', {
      port: TEST_PORTS.requeue + 10,
      env: { SOMA_INSTANCE_ID: 'requeue-b' },
      logSuffix: '-b',
    });
    try {
      const hook = await register(`http://${WEBHOOK_RECEIVER_HOST}:${port}/twins`, ['requeue.item_created']);
      receiver.secret = hook.secret;
      const ports = [TEST_PORTS.requeue, second.port];
      const label = 'event_type="requeue.item_created"';
      const before = await Promise.all(
        ports.map((p) => counter(p, 'webhook_deliveries_delivered_total', label)),
      );
      const calls: string[] = [];
      for (let i = 0; i < 24; i++) calls.push(await blockCall());
      await receiver.waitFor('every event', () => {
        const seen = new Set(receiver.received.map((r) => r.event.data.toolCallId));
        return calls.every((call) => seen.has(call)) ? true : undefined;
      });
      const page = await until('every delivery recorded', async () => {
        const response = await admin.request<{ items: Delivery[] }>(
          'GET',
          `/v1/webhooks/${hook.id}/deliveries?limit=100`,
        );
        const items = response.body.items;
        return items.length === calls.length && items.every((d) => d.status === 'delivered')
          ? items
          : undefined;
      });
      // A row claimed twice would show a second attempt, and a second request for its event.
      expect(page.every((d) => d.attempts === 1)).toBe(true);
      expect(receiver.received).toHaveLength(calls.length);
      expect(new Set(receiver.received.map((r) => r.event.id)).size).toBe(calls.length);
      expect(requeueReceiver.received.filter((r) => calls.includes(String(r.event.data.toolCallId)))).toEqual(
        [],
      );
      const after = await Promise.all(
        ports.map((p) => counter(p, 'webhook_deliveries_delivered_total', label)),
      );
      const byInstance = after.map((value, i) => value - (before[i] ?? 0));
      expect(byInstance.reduce((a, b) => a + b, 0)).toBe(calls.length);
      expect(
        byInstance.every((count) => count > 0),
        `deliveries by instance: ${byInstance.join(', ')}`,
      ).toBe(true);
    } finally {
      await second.stop();
      await receiver.stop();
    }
  });

  it("another tenant neither sees nor deletes a tenant's webhook (404); its owner deletes it", async () => {
    const listed = await admin.request<Page<Created & { secret?: string }>>('GET', '/v1/webhooks');
    expect(listed.body.items.map((w) => w.id)).toEqual(expect.arrayContaining([flakyHook.id, downHook.id]));
    expect(listed.body.items.every((w) => w.secret === undefined)).toBe(true);
    const theirs = await other.request<Page<Created>>('GET', '/v1/webhooks');
    expect(theirs.status).toBe(200);
    expect(theirs.body.items.map((w) => w.id)).not.toContain(flakyHook.id);
    for (const [method, path] of [
      ['DELETE', `/v1/webhooks/${flakyHook.id}`],
      ['GET', `/v1/webhooks/${flakyHook.id}/deliveries`],
      ['DELETE', `/v1/webhooks/${randomUUID()}`],
      ['GET', '/v1/webhooks/not-a-uuid/deliveries'],
    ] as const) {
      const response = await other.request<ErrorBody>(method, path);
      expect(response.status, path).toBe(404);
      expect(response.body.error).toBe('WEBHOOK_NOT_FOUND');
    }
    expect((await admin.request('DELETE', `/v1/webhooks/${flakyHook.id}`)).status).toBe(204);
    expect((await admin.request('DELETE', `/v1/webhooks/${flakyHook.id}`)).status).toBe(404);
    const after = await admin.request<Page<Created>>('GET', '/v1/webhooks');
    expect(after.body.items.map((w) => w.id)).not.toContain(flakyHook.id);
  });
});
