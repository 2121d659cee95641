import { Topics, type ToolCallFinished } from '#soma/contracts';
import { ApiClient } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp } from '../support/apps.js';
import { recordFaultRow } from '../support/fault-report.js';
import { runWorkFile, sandboxRuns } from '../support/sandbox-runs.js';
import { defaultTenantId, withDb } from '../support/db.js';
import { sleep } from '../support/events.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { toolRequest } from '../support/tool-requests.js';

interface CallRow {
  status: string;
  claimed_by: string | null;
  started_at: Date;
  lease_live: boolean;
  result_event_id: string | null;
}

const callRow = (toolCallId: string) =>
  withDb(async (db) => {
    const { rows } = await db.query<CallRow>(
      `SELECT status, claimed_by, started_at, lease_expires_at > now() AS lease_live,
              result_envelope->>'eventId' AS result_event_id
         FROM tool_calls WHERE tool_call_id = $1`,
      [toolCallId],
    );
    return rows[0];
  });

/**
 * The sandbox runs of a program: each run has its own /work (a tmpfs, seen through /proc/<pid>/root of its
 * processes), where the program (below) writes its marker as its first act. Polled throughout, so a second run
 * would be seen while it sleeps. `ticks` is the size of the run's ticks file while one of its processes lives.
 */
class RunWatcher {
  readonly runs = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly marker: string) {
    this.timer = setInterval(() => {
      this.scan();
    }, 100);
  }

  private scan(): void {
    for (const run of sandboxRuns()) {
      const file = runWorkFile(run.pids, 'ran.txt');
      try {
        if (file && readFileSync(file.path, 'utf8').includes(this.marker)) this.runs.add(run.key);
      } catch {
        // it has not written yet, or it is gone
      }
    }
  }

  /** The ticks file's size in the watched run, or undefined when none of its processes is left. */
  ticks(): number | undefined {
    const [key] = [...this.runs];
    const run = sandboxRuns().find((r) => r.key === key);
    return run ? (runWorkFile(run.pids, 'ticks.txt')?.size ?? 0) : undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

describe('a tool executor killed (-9) during a code.execute call', () => {
  const api = new ApiClient(inject('gatewayUrl'), inject('adminKey'));
  const probe = new KafkaProbe();
  const marker = `crash-${randomUUID()}`;
  const watcher = new RunWatcher(marker);

  beforeAll(async () => {
    await probe.start([Topics.toolResults]);
  });

  afterAll(async () => {
    watcher.stop();
    await probe.stop();
  });

  it('ends the call once with TOOL_INTERRUPTED, long before the old 60 s wait, and never runs it again', async () => {
    const tenantId = await defaultTenantId();
    const sessionId = await api.createSession();
    // Its first act is a real effect in its own /work; then it ticks there for 20 s, far past the kill.
    const code = [
      'import time',
      `open('/work/ran.txt', 'w').write(${JSON.stringify(marker)})`,
      'for _ in range(200):',
      "    open('/work/ticks.txt', 'a').write('.')",
      '    time.sleep(0.1)',
      "print('finished')",
    ].join('\n');
    const envelope = toolRequest(tenantId, sessionId, 'code.execute', {
      language: 'python',
      code,
      timeoutMs: 25_000,
    });
    const { toolCallId } = envelope.payload;
    await probe.publish(Topics.toolRequests, envelope);

    // Mid-run: the program has started and ticks, and the call is claimed under a live lease.
    const ticked = () => watcher.ticks() ?? 0;
    const deadline = Date.now() + 60_000;
    while (ticked() < 5 && Date.now() < deadline) await sleep(100);
    expect(watcher.runs.size).toBe(1);
    const claimed = await callRow(toolCallId);
    expect(claimed?.status).toBe('running');
    expect(claimed?.claimed_by).toEqual(expect.any(String));
    expect(claimed?.lease_live).toBe(true);

    process.kill(inject('appPids')['tool-executor'], 'SIGKILL');
    const killedAt = performance.now();
    const restarted = startApp('tool-executor', { detached: true, logSuffix: '-after-crash' }).then(() =>
      Math.round(performance.now() - killedAt),
    );
    // The program died with its executor: no process of its run is left, so it ticks no more.
    await sleep(1000);
    expect(watcher.ticks()).toBeUndefined();
    const readyMs = await restarted;
    // Before leases the redelivery waited 60 s on the running call, and Kafka's hand-over came first.
    const [result] = await probe.waitFor<ToolCallFinished>(
      (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === toolCallId,
      45_000,
    );
    const elapsedMs = Math.round(performance.now() - killedAt);
    console.info(
      `tool-executor crash: new executor ready ${readyMs} ms, TOOL_INTERRUPTED ${elapsedMs} ms after kill -9`,
    );
    expect(result?.payload.status).toBe('error');
    expect(result?.payload.error?.code).toBe('TOOL_INTERRUPTED');

    // Longer than a lease and a poll: time for a duplicate result or a second run to show.
    await sleep(8000);
    const results = probe.received.filter(
      (r) =>
        r.topic === Topics.toolResults && (r.envelope.payload as ToolCallFinished).toolCallId === toolCallId,
    );
    recordFaultRow({
      scenario: 'tool executor killed (-9) during a call',
      turns: 0,
      completed: 0,
      cancelled: 0,
      failed: { [result?.payload.error?.code ?? 'NO_RESULT']: 1 },
      lostEvents: results.length === 0 ? 1 : 0,
      duplicateEvents: Math.max(0, results.length - 1) + Math.max(0, watcher.runs.size - 1),
      recoveryMs: elapsedMs,
    });
    expect(results).toHaveLength(1);
    expect(watcher.runs.size).toBe(1);
    // The call was claimed once (same start, same owner: the interrupter ended it without taking it).
    const ended = await callRow(toolCallId);
    expect(ended).toMatchObject({
      status: 'error',
      claimed_by: claimed?.claimed_by,
      started_at: claimed?.started_at,
      result_event_id: result?.eventId,
    });

    // The new executor serves the session's next call.
    const next = toolRequest(tenantId, sessionId, 'code.execute', {
      language: 'python',
      code: 'print(6 * 7)',
    });
    await probe.publish(Topics.toolRequests, next);
    const [after] = await probe.waitFor<ToolCallFinished>(
      (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === next.payload.toolCallId,
      30_000,
    );
    expect(after?.payload.output).toMatchObject({ exitCode: 0, stdout: '42\n' });
  });
});
