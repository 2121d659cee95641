import { createEnvelope, type ToolCallFinished } from '#soma/contracts';
import { createDataSource } from '#soma/persistence';
import { loadConfig } from '#soma/platform';
import { ToolCallRepository, type FinishGuard, type ToolCallClaim } from '#soma/tools';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../support/events.js';
import { toolRequest } from '../support/tool-requests.js';

const dataSource = createDataSource(loadConfig().pgUrl);
const calls = new ToolCallRepository(dataSource);
const owner: ToolCallClaim = { owner: `claims-test-${randomUUID()}`, leaseMs: 400 };

/** A new call, claimed by `owner` (the lease is short so that it can lapse within the test). */
async function claimedCall(claim = owner): Promise<string> {
  const envelope = toolRequest(randomUUID(), randomUUID(), 'code.execute', { language: 'python', code: 'x' });
  expect(await calls.claim(envelope, claim)).toBe(true);
  return envelope.payload.toolCallId;
}

const context = () => ({ tenantId: randomUUID(), sessionId: randomUUID(), correlationId: randomUUID() });

const interrupted = (toolCallId: string): ToolCallFinished => ({
  toolCallId,
  turnId: null,
  tool: 'code.execute',
  status: 'error',
  output: null,
  error: { code: 'TOOL_INTERRUPTED', message: 'interrupted (test)' },
  decision: null,
  durationMs: 0,
});

/** Ends the call as the guard allows, in its own transaction, as the publisher does. */
const finish = (toolCallId: string, guard: FinishGuard) =>
  dataSource.transaction((manager) =>
    calls.finish(
      manager,
      toolCallId,
      'error',
      {
        decision: null,
        resultEnvelope: createEnvelope('tool.call.finished', context(), interrupted(toolCallId)),
        grantId: null,
        source: null,
        recordedFrom: null,
      },
      guard,
    ),
  );

describe('tool call claims and leases (real PostgreSQL)', () => {
  beforeAll(async () => {
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('records the owner and a live lease; while it is live nobody else can end or take the call', async () => {
    const toolCallId = await claimedCall();
    const row = await calls.find(toolCallId);
    expect(row).toMatchObject({ status: 'running', claimedBy: owner.owner });
    expect(row?.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() - 1000);
    expect(await calls.leaseLapsed(toolCallId)).toBe(false);
    expect(await finish(toolCallId, 'lease-lapsed')).toBe(false);
    expect(await finish(toolCallId, { owner: 'another-executor' })).toBe(false);
    const again = toolRequest(randomUUID(), randomUUID(), 'code.execute', {}, { toolCallId });
    expect(await calls.claim(again, { owner: 'another-executor', leaseMs: 60_000 })).toBe(false);
    expect(await finish(toolCallId, { owner: owner.owner })).toBe(true);
    expect((await calls.find(toolCallId))?.status).toBe('error');
  });

  it('keeps the lease live while the owner renews it', async () => {
    const toolCallId = await claimedCall();
    for (let i = 0; i < 4; i++) {
      await sleep(owner.leaseMs / 2);
      expect(await calls.renewLease(toolCallId, owner)).toBe(true);
      expect(await calls.leaseLapsed(toolCallId)).toBe(false);
    }
    expect(await calls.renewLease(toolCallId, { ...owner, owner: 'another-executor' })).toBe(false);
  });

  it('lets exactly one of many racing executors end a call whose lease lapsed; the owner then can neither renew nor finish', async () => {
    const toolCallId = await claimedCall();
    await sleep(owner.leaseMs + 200);
    expect(await calls.leaseLapsed(toolCallId)).toBe(true);
    const ended = await Promise.all(Array.from({ length: 8 }, () => finish(toolCallId, 'lease-lapsed')));
    expect(ended.filter(Boolean)).toHaveLength(1);
    expect(await calls.renewLease(toolCallId, owner)).toBe(false);
    expect(await finish(toolCallId, { owner: owner.owner })).toBe(false);
    expect(await calls.leaseLapsed(toolCallId)).toBe(false); // no longer running
  });

  it('lets an owner racing the interrupters end its own lapsed call at most once with them', async () => {
    for (let round = 0; round < 5; round++) {
      const toolCallId = await claimedCall();
      await sleep(owner.leaseMs + 100);
      const ended = await Promise.all([
        finish(toolCallId, { owner: owner.owner }),
        finish(toolCallId, 'lease-lapsed'),
        finish(toolCallId, 'lease-lapsed'),
      ]);
      expect(ended.filter(Boolean)).toHaveLength(1);
    }
  });

  it('gives a call claimed before leases existed the old 60 s from its start', async () => {
    const fresh = await claimedCall();
    const old = await claimedCall();
    await dataSource.query(
      `UPDATE tool_calls SET claimed_by = NULL, lease_expires_at = NULL,
              started_at = now() - CASE WHEN tool_call_id = $2 THEN interval '61 seconds' ELSE interval '0' END
        WHERE tool_call_id IN ($1, $2)`,
      [fresh, old],
    );
    expect(await calls.leaseLapsed(fresh)).toBe(false);
    expect(await calls.leaseLapsed(old)).toBe(true);
    expect(await finish(fresh, 'lease-lapsed')).toBe(false);
    expect(await finish(old, 'lease-lapsed')).toBe(true);
  });
});
