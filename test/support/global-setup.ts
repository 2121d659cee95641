import type { TestProject } from 'vitest/node';
import {
  opsPortOf,
  startApp,
  stopDetachedApps,
  TEST_ADMIN_KEY,
  TEST_PORTS,
  type AppName,
  type RunningApp,
} from './apps.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    /** The gateway's operations listener: /metrics, /health/ready. */
    gatewayOpsUrl: string;
    adminKey: string;
    /** Pids of the apps the global setup started (a crash test may kill one). */
    appPids: Record<AppName, number>;
  }
}

/** Starts the four apps once for the integration project; tests talk to them over real HTTP and Kafka. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RunningApp[] = [];
  await stopDetachedApps();
  try {
    for (const name of ['conversation-worker', 'tool-executor', 'requeue', 'gateway'] as const) {
      started.push(await startApp(name));
    }
  } catch (error) {
    await Promise.all(started.map((app) => app.stop()));
    throw error;
  }
  project.provide('gatewayUrl', `http://127.0.0.1:${TEST_PORTS.gateway}`);
  project.provide('gatewayOpsUrl', `http://127.0.0.1:${opsPortOf('gateway', TEST_PORTS.gateway)}`);
  project.provide('adminKey', TEST_ADMIN_KEY);
  project.provide(
    'appPids',
    Object.fromEntries(started.map((app) => [app.name, app.process.pid ?? 0])) as Record<AppName, number>,
  );
  return async () => {
    await Promise.all(started.map((app) => app.stop()));
    await stopDetachedApps();
  };
}
