import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { appEnv, ROOT, TEST_PORTS } from '../support/apps.js';
import { sleep } from '../support/events.js';
import { killPid } from '../support/faults.js';
import { brokers } from '../support/kafka-probe.js';

interface InstanceStatus {
  app: string;
  instanceId: string;
  pid: number | null;
  port: number;
  ready: boolean;
  restarts: number;
}

// The platform's own gateway, beside the test apps: its own state dir (pid files, logs) and ports.
const stateDir = mkdtempSync(join(tmpdir(), 'soma-supervisor-'));
const port = TEST_PORTS.gateway + 30;
const env = appEnv({ SOMA_STATE_DIR: stateDir, SOMA_GATEWAY_PORT: String(port) });

function platform(...args: string[]): string {
  const run = spawnSync('bash', [join(ROOT, 'scripts/platform.sh'), ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (run.status !== 0)
    throw new Error(`platform.sh ${args.join(' ')} exited ${String(run.status)}: ${run.stderr}`);
  return run.stdout;
}

function status(): InstanceStatus[] {
  return JSON.parse(platform('status', '--json')) as InstanceStatus[];
}

function supervisorPid(): number {
  return Number(readFileSync(join(stateDir, 'run/apps/gateway.supervisor'), 'utf8').trim());
}

/** Polls the gateway's status until it is ready again with a new pid; the supervisor's backoff plus one boot. */
async function restartedFrom(oldPid: number, deadlineMs: number): Promise<InstanceStatus> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const gateway = status().find((s) => s.app === 'gateway');
    if (gateway?.ready === true && gateway.pid !== null && gateway.pid !== oldPid) return gateway;
    if (Date.now() > deadline) throw new Error(`gateway not restarted: ${JSON.stringify(gateway)}`);
    await sleep(250);
  }
}

// The platform's gateway joins the test gateway's replay-log group: after the test, the group must be back to the
// members it had (a killed member only leaves at its session timeout) before the next test streams anything.
const kafka = new Kafka({
  clientId: 'soma-test-supervisor',
  brokers,
  logLevel: logLevel.NOTHING,
});
const REPLAY_LOG_GROUP = 'soma-gateway-replay-log';

async function replayLogGroup(): Promise<{ state: string; members: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([REPLAY_LOG_GROUP]);
    return { state: groups[0]?.state ?? 'Dead', members: groups[0]?.members.length ?? 0 };
  } finally {
    await admin.disconnect();
  }
}

async function groupSettledAt(members: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const group = await replayLogGroup();
    if (group.state === 'Stable' && group.members === members) return;
    if (Date.now() > deadline)
      throw new Error(`replay-log group not back to ${String(members)}: ${JSON.stringify(group)}`);
    await sleep(500);
  }
}

/** Runs (a zombie waiting for a reaper does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('the platform supervisor', () => {
  afterAll(() => {
    spawnSync('bash', [join(ROOT, 'scripts/platform.sh'), 'stop-apps'], { cwd: ROOT, env });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts a killed instance again with a growing backoff, counts and logs each restart, and stops for good on stop-apps', async () => {
    const membersBefore = (await replayLogGroup()).members;
    platform('apps', 'gateway');
    const first = status().find((s) => s.app === 'gateway');
    expect(first).toMatchObject({ instanceId: 'gateway-1', port, ready: true, restarts: 0 });
    const firstPid = first?.pid ?? 0;
    const supervisor = supervisorPid();

    expect(killPid(firstPid, 'SIGKILL')).toBe(true);
    const second = await restartedFrom(firstPid, 60_000);
    expect(second.restarts).toBe(1);
    const secondPid = second.pid ?? 0;

    // A second crash within a minute of the restart waits twice as long.
    expect(killPid(secondPid, 'SIGKILL')).toBe(true);
    const third = await restartedFrom(secondPid, 60_000);
    expect(third.restarts).toBe(2);
    expect(supervisorPid()).toBe(supervisor);

    const log = readFileSync(join(stateDir, 'logs/gateway.log'), 'utf8');
    const restarts = log.split('\n').filter((line) => line.includes('supervisor: gateway-1 exited'));
    expect(restarts).toHaveLength(2);
    expect(restarts[0]).toMatch(/exited with status 137 .* restart 1 in 1 s$/);
    expect(restarts[1]).toMatch(/exited with status 137 .* restart 2 in 2 s$/);

    // Stopped on purpose: neither the app nor its supervisor remains, and nothing starts it again.
    platform('stop-apps');
    expect(alive(third.pid ?? 0)).toBe(false);
    // With its supervisor gone nothing can start the app again: no wait is needed to see that it stays down.
    expect(alive(supervisor)).toBe(false);
    expect(status()).toEqual([]);
    await groupSettledAt(membersBefore);
  });
});
