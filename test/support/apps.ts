/**
 * Starts the platform's apps as real processes (built code in dist/) on test ports, for the integration and
 * end-to-end tests. Infrastructure must be up (scripts/test.sh runs `infra:up` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type AppName = 'gateway' | 'conversation-worker' | 'tool-executor' | 'requeue';

export const ROOT = join(import.meta.dirname, '..', '..');
export const STATE_DIR = process.env.SOMA_STATE_DIR ?? join(ROOT, '.soma');
export const TEST_ADMIN_KEY =
  process.env.SOMA_ADMIN_API_KEY ?? 'soma_test_admin_key_change_me_0000000000000000';

/** Apps under test listen on BASE..BASE+3 (SOMA_TEST_PORT_BASE, default 3100), apart from a running platform. */
const base = Number(process.env.SOMA_TEST_PORT_BASE ?? 3100);
export const TEST_PORTS: Record<AppName, number> = {
  gateway: base,
  'conversation-worker': base + 1,
  'tool-executor': base + 2,
  requeue: base + 3,
};

export interface RunningApp {
  name: AppName;
  port: number;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function appEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SOMA_ADMIN_API_KEY: TEST_ADMIN_KEY,
    SOMA_GATEWAY_PORT: String(TEST_PORTS.gateway),
    SOMA_WORKER_PORT: String(TEST_PORTS['conversation-worker']),
    SOMA_TOOL_EXECUTOR_PORT: String(TEST_PORTS['tool-executor']),
    SOMA_REQUEUE_PORT: String(TEST_PORTS.requeue),
    SOMA_LOG_LEVEL: process.env.SOMA_LOG_LEVEL ?? 'warn',
    ...overrides,
  };
}

async function waitReady(app: RunningApp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (app.process.exitCode !== null)
      throw new Error(`${app.name} exited with ${app.process.exitCode}; see its log`);
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}/health/ready`);
      if (response.ok) return;
      last = await response.text();
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${app.name} not ready after ${timeoutMs} ms: ${last}`);
}

/** Starts one app and waits until /health/ready says every dependency (and consumer group) is ready. */
export async function startApp(
  name: AppName,
  options: { port?: number; env?: Record<string, string>; logSuffix?: string; readyTimeoutMs?: number } = {},
): Promise<RunningApp> {
  const port = options.port ?? TEST_PORTS[name];
  const portVar: Record<AppName, string> = {
    gateway: 'SOMA_GATEWAY_PORT',
    'conversation-worker': 'SOMA_WORKER_PORT',
    'tool-executor': 'SOMA_TOOL_EXECUTOR_PORT',
    requeue: 'SOMA_REQUEUE_PORT',
  };
  mkdirSync(join(STATE_DIR, 'logs'), { recursive: true });
  const log = createWriteStream(join(STATE_DIR, 'logs', `test-${name}${options.logSuffix ?? ''}.log`), {
    flags: 'a',
  });
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', join(ROOT, 'dist', 'apps', name, 'src', 'main.js')],
    {
      cwd: ROOT,
      env: appEnv({ [portVar[name]]: String(port), ...options.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const app: RunningApp = {
    name,
    port,
    process: child,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill(signal);
      }),
  };
  try {
    await waitReady(app, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await app.stop('SIGKILL');
    throw error;
  }
  return app;
}
