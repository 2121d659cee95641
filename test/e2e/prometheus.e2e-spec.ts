import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appEnv, opsPortOf, ROOT, STATE_DIR, TEST_PORTS, type AppName } from '../support/apps.js';

const run = promisify(execFile);
const script = join(ROOT, 'scripts', 'prometheus', 'prometheus.sh');
const port = TEST_PORTS.gateway + 70;
// Its own state dir: a platform's Prometheus in the default one is left alone.
const env = appEnv({
  SOMA_STATE_DIR: join(STATE_DIR, 'test-prometheus'),
  SOMA_PROMETHEUS_PORT: String(port),
});
const api = `http://127.0.0.1:${port}/api/v1`;
/** Nothing listens there: a crashed instance, as Prometheus sees it. */
const deadPort = TEST_PORTS.gateway + 71;

interface Target {
  health: 'up' | 'down' | 'unknown';
  labels: { app: string; instance_id: string };
}

const get = async <T>(path: string): Promise<T> =>
  ((await (await fetch(`${api}${path}`)).json()) as { data: T }).data;

/** Polls until `check` passes; Prometheus scrapes every 5 s and evaluates rules every 5 s. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 120; attempt++) {
    last = await read();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: last seen ${JSON.stringify(last)}`);
}

describe("Prometheus: the platform's scrape config and rules against the running apps", () => {
  const apps: AppName[] = ['gateway', 'conversation-worker', 'tool-executor', 'requeue'];

  beforeAll(async () => {
    const targets = apps.map((app) => `${app}=127.0.0.1:${opsPortOf(app, TEST_PORTS[app])}`);
    await run('bash', [script, 'targets', ...targets, `requeue=127.0.0.1:${deadPort}`], { env });
    await run('bash', [script, 'up'], { env });
  });

  afterAll(async () => {
    await run('bash', [script, 'down'], { env });
  });

  it('scrapes every instance of every app on its metrics port, and sees a dead one as down', async () => {
    const targets = await eventually(
      () => get<{ activeTargets: Target[] }>('/targets'),
      (data) => data.activeTargets.length === 5 && data.activeTargets.every((t) => t.health !== 'unknown'),
      'five scraped targets',
    );
    const health = Object.fromEntries(targets.activeTargets.map((t) => [t.labels.instance_id, t.health]));
    expect(health).toEqual({
      'gateway-1': 'up',
      'conversation-worker-1': 'up',
      'tool-executor-1': 'up',
      'requeue-1': 'up',
      'requeue-2': 'down',
    });
    // The apps' own series arrive, labelled with their app.
    const series = await eventually(
      () =>
        get<{ result: { metric: { app: string } }[] }>(
          `/query?query=${encodeURIComponent('count by (app) (process_resident_memory_bytes)')}`,
        ),
      (data) => data.result.length === 4,
      'series of all four apps',
    );
    expect(series.result.map((r) => r.metric.app).sort()).toEqual([...apps].sort());
    // Every app measures its consumer groups' lag (the alert SomaConsumerLagHigh reads it).
    const lag = await eventually(
      () =>
        get<{ result: { metric: { app: string; group: string; topic: string } }[] }>(
          `/query?query=${encodeURIComponent('kafka_consumer_group_lag >= 0')}`,
        ),
      (data) => new Set(data.result.map((r) => r.metric.app)).size >= 3,
      'consumer lag of the consuming apps',
    );
    expect(lag.result).toContainEqual({
      metric: expect.objectContaining({
        app: 'conversation-worker',
        topic: 'conversation.inbound',
      }) as unknown,
      value: expect.any(Array) as unknown,
    });
  });

  it('loads every alert rule, and raises SomaInstanceDown for the dead instance only', async () => {
    const rules = await get<{ groups: { rules: { type: string; name: string }[] }[] }>('/rules');
    const alerts = rules.groups.flatMap((g) =>
      g.rules.filter((r) => r.type === 'alerting').map((r) => r.name),
    );
    expect(alerts.sort()).toEqual([
      'SomaConsumerLagHigh',
      'SomaDeadLettersArriving',
      'SomaInstanceDown',
      'SomaPolicyEngineUnreachable',
      'SomaRequeueBacklogGrowing',
      'SomaSandboxFailing',
      'SomaTimeToFirstTokenHigh',
      'SomaTurnFailureRatioHigh',
    ]);
    // `for: 1m`: pending first; the test only needs to see which instance it is about.
    const firing = await eventually(
      () => get<{ alerts: { labels: Record<string, string>; state: string }[] }>('/alerts'),
      (data) => data.alerts.some((a) => a.labels.alertname === 'SomaInstanceDown'),
      'SomaInstanceDown pending',
    );
    const down = firing.alerts.filter((a) => a.labels.alertname === 'SomaInstanceDown');
    expect(down.map((a) => a.labels.instance_id)).toEqual(['requeue-2']);
  });
});
