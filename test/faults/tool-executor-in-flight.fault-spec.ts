import { Topics, type ToolCallFinished } from '#soma/contracts';
import { ApiClient } from '#soma/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp } from '../support/apps.js';
import { defaultTenantId, withDb } from '../support/db.js';
import { sleep } from '../support/events.js';
import { recordFaultRow } from '../support/fault-report.js';
import { killPid, pidOfInstance } from '../support/faults.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { toolRequest } from '../support/tool-requests.js';

interface CallRow {
  tool_call_id: string;
  status: string;
  claimed_by: string | null;
  started_at: Date;
}

const rows = (ids: string[]) =>
  withDb(async (db) => {
    const { rows: found } = await db.query<CallRow>(
      'SELECT tool_call_id, status, claimed_by, started_at FROM tool_calls WHERE tool_call_id = ANY($1)',
      [ids],
    );
    return new Map(found.map((row) => [row.tool_call_id, row]));
  });

/**
 * The executor takes requests ahead of free slots and commits a partition's offset only past its longest
 * finished prefix. Killed (-9) while a long call runs and the quick calls behind it on the same partition have
 * finished, nothing may be lost or run twice: the redelivered quick calls are answered from their stored results
 * (same event ids), the long one ends once with TOOL_INTERRUPTED.
 */
describe('a tool executor killed (-9) with calls finished out of order on one partition', () => {
  const api = new ApiClient(inject('gatewayUrl'), inject('adminKey'));
  const probe = new KafkaProbe();

  beforeAll(async () => {
    await probe.start([Topics.toolResults]);
  });

  afterAll(async () => {
    await probe.stop();
  });

  it('loses no call and runs none twice', async () => {
    const tenantId = await defaultTenantId();
    // One session: every request has the same key, so they are all on one partition, in this order.
    const sessionId = await api.createSession();
    const long = toolRequest(tenantId, sessionId, 'code.execute', {
      language: 'python',
      code: 'import time\ntime.sleep(25)\nprint("slow")',
      timeoutMs: 30_000,
    });
    const quick = [1, 2, 3].map((n) =>
      toolRequest(tenantId, sessionId, 'code.execute', { language: 'python', code: `print(${n})` }),
    );
    await probe.publish(Topics.toolRequests, long);
    for (const envelope of quick) await probe.publish(Topics.toolRequests, envelope);
    const resultsOf = (toolCallId: string) =>
      probe.seen<ToolCallFinished>(
        (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === toolCallId,
      );

    // The quick calls finish while the long one (first on the partition) still runs.
    for (const envelope of quick) {
      const [result] = await probe.waitFor<ToolCallFinished>(
        (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === envelope.payload.toolCallId,
        60_000,
      );
      expect(result?.payload.status).toBe('ok');
    }
    expect(resultsOf(long.payload.toolCallId)).toHaveLength(0);
    const before = await rows([long.payload.toolCallId, ...quick.map((e) => e.payload.toolCallId)]);
    const owner = before.get(long.payload.toolCallId)?.claimed_by ?? '';
    expect(before.get(long.payload.toolCallId)?.status).toBe('running');
    const pid = pidOfInstance(owner);
    expect(pid).toBeGreaterThan(0);

    killPid(pid, 'SIGKILL');
    const killedAt = performance.now();
    await startApp('tool-executor', { detached: true, logSuffix: '-after-in-flight-crash' });
    const [interrupted] = await probe.waitFor<ToolCallFinished>(
      (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === long.payload.toolCallId,
      60_000,
    );
    const recoveryMs = Math.round(performance.now() - killedAt);
    expect(interrupted?.payload.error?.code).toBe('TOOL_INTERRUPTED');
    // Time for every redelivery to be answered, and for a second run to show.
    await sleep(8000);

    const after = await rows([long.payload.toolCallId, ...quick.map((e) => e.payload.toolCallId)]);
    let lost = 0;
    let duplicated = 0;
    for (const envelope of [long, ...quick]) {
      const eventIds = new Set(resultsOf(envelope.payload.toolCallId).map((e) => e.eventId));
      if (eventIds.size === 0) lost++;
      duplicated += Math.max(0, eventIds.size - 1);
      // Claimed once: the same start and owner as before the crash (a redelivery never runs it again).
      expect(after.get(envelope.payload.toolCallId)?.started_at).toEqual(
        before.get(envelope.payload.toolCallId)?.started_at,
      );
    }
    recordFaultRow({
      scenario: 'tool executor killed (-9) with calls finished out of order',
      turns: 0,
      completed: 0,
      cancelled: 0,
      failed: { TOOL_INTERRUPTED: 1 },
      lostEvents: lost,
      duplicateEvents: duplicated,
      recoveryMs,
    });
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(quick.map((e) => after.get(e.payload.toolCallId)?.status)).toEqual(['ok', 'ok', 'ok']);
  });
});
