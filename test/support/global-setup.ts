import type { TestProject } from 'vitest/node';
import { startApp, TEST_ADMIN_KEY, TEST_PORTS, type RunningApp } from './apps.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    adminKey: string;
  }
}

/** Starts the four apps once for the integration project; tests talk to them over real HTTP and Kafka. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RunningApp[] = [];
  try {
    for (const name of ['conversation-worker', 'tool-executor', 'requeue', 'gateway'] as const) {
      started.push(await startApp(name));
    }
  } catch (error) {
    await Promise.all(started.map((app) => app.stop()));
    throw error;
  }
  project.provide('gatewayUrl', `http://127.0.0.1:${TEST_PORTS.gateway}`);
  project.provide('adminKey', TEST_ADMIN_KEY);
  return async () => {
    await Promise.all(started.map((app) => app.stop()));
  };
}
