/**
 * Starts the platform's apps as real processes (built code in dist/) on test ports, for the integration and
 * end-to-end tests. Infrastructure must be up (scripts/test.sh runs `infra:up` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';

export type AppName = 'gateway' | 'conversation-worker' | 'tool-executor' | 'requeue';

export const ROOT = join(import.meta.dirname, '..', '..');
export const STATE_DIR = process.env.SOMA_STATE_DIR ?? join(ROOT, '.soma');
/** The venv python of the test-only OpenAI-compatible server (scripts/test-support/llama-server.sh). */
export const LLAMA_SERVER_PYTHON =
  process.env.SOMA_LLAMA_SERVER_PYTHON ??
  join(
    process.env.SOMA_CACHE_DIR ?? join(process.env.HOME ?? '', '.cache', 'soma'),
    'llama-server-venv',
    'bin',
    'python',
  );
/** The contract fuzzer's executable (scripts/test-support/schemathesis.sh prints it; scripts/test.sh exports it). */
export const SCHEMATHESIS =
  process.env.SOMA_SCHEMATHESIS ??
  join(
    process.env.SOMA_CACHE_DIR ?? join(process.env.HOME ?? '', '.cache', 'soma'),
    'schemathesis-venv',
    'bin',
    'schemathesis',
  );
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

/** The Prometheus the test gateway reads its dashboard from (test/e2e/console-observability starts it). */
export const TEST_PROMETHEUS_PORT = base + 75;

/**
 * The test Jaeger's ports (test/e2e/tracing.e2e-spec.ts starts and stops it): every app under test exports its
 * spans there, so a collector that is absent (most of the run) is the ordinary case, and turns go on without it.
 */
export const JAEGER_TEST_PORTS = {
  otlpHttp: base + 80,
  otlpGrpc: base + 81,
  query: base + 82,
  queryGrpc: base + 83,
};

/**
 * Where an app serves /metrics and /health/ready: the gateway on its operations port (the public port + 1000
 * unless SOMA_GATEWAY_OPS_PORT is given), the internal apps on their own port.
 */
export function opsPortOf(name: AppName, port: number, env: Record<string, string | undefined> = {}): number {
  if (name !== 'gateway') return port;
  const configured = Number(env.SOMA_GATEWAY_OPS_PORT ?? 0);
  return configured > 0 ? configured : port + 1000;
}

/** Pids of apps that outlive the test file that started them (for example a worker restarted after a crash). */
const DETACHED_PIDS = join(STATE_DIR, 'run', 'test-detached-apps.pids');

/**
 * Stops the apps tests started detached (SIGTERM, then SIGKILL after 20 s) and waits until each has exited: the next
 * phase starts apps on the same ports, and a gateway still shutting down (flushing spans, closing consumers) would
 * answer its readiness probe on the old process, then vanish.
 */
export async function stopDetachedApps(): Promise<void> {
  if (!existsSync(DETACHED_PIDS)) return;
  const pids = readFileSync(DETACHED_PIDS, 'utf8').split('\n').filter(Boolean).map(Number);
  rmSync(DETACHED_PIDS);
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (pid: number, name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const killAt = Date.now() + 20_000;
  while (pids.some(alive)) {
    if (Date.now() > killAt) for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface RunningApp {
  name: AppName;
  port: number;
  /** /metrics and /health/ready (see opsPortOf). */
  opsPort: number;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The loopback address the webhook tests' receivers bind to: the only internal address the test apps may reach. */
export const WEBHOOK_RECEIVER_HOST = '127.0.0.77';

export function appEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SOMA_ADMIN_API_KEY: TEST_ADMIN_KEY,
    SOMA_GATEWAY_PORT: String(TEST_PORTS.gateway),
    SOMA_WORKER_PORT: String(TEST_PORTS['conversation-worker']),
    SOMA_TOOL_EXECUTOR_PORT: String(TEST_PORTS['tool-executor']),
    SOMA_REQUEUE_PORT: String(TEST_PORTS.requeue),
    SOMA_LOG_LEVEL: process.env.SOMA_LOG_LEVEL ?? 'warn',
    // Short enough that crash tests finish quickly, long enough for a slow shared machine.
    SOMA_TURN_LEASE_MS: '4000',
    SOMA_KAFKA_SESSION_TIMEOUT_MS: '6000',
    // Consumer lag is measured often enough for the Prometheus test to see it soon after the apps start.
    SOMA_KAFKA_LAG_INTERVAL_MS: '2000',
    // Every test shares one admin key: the per-key limit has its own test with a gateway of its own.
    SOMA_RATE_LIMIT_REQUESTS: '1000000',
    // The machine is shared by every service and test: a generous budget keeps classification deterministic.
    SOMA_SLM_BUDGET_MS: '5000',
    // Webhooks: receivers in the test process (one allowed loopback address), and retries in milliseconds.
    SOMA_EGRESS_ALLOW_CIDRS: `${WEBHOOK_RECEIVER_HOST}/32`,
    SOMA_WEBHOOK_MAX_ATTEMPTS: '4',
    SOMA_WEBHOOK_BASE_DELAY_MS: '100',
    SOMA_WEBHOOK_MAX_DELAY_MS: '400',
    SOMA_WEBHOOK_POLL_MS: '100',
    SOMA_WEBHOOK_TIMEOUT_MS: '3000',
    // The console's dashboard reads the Prometheus of test/e2e/console-observability (nothing listens there before).
    SOMA_PROMETHEUS_URL: `http://127.0.0.1:${TEST_PROMETHEUS_PORT}`,
    // Traces to the test Jaeger, sent soon after they end (the tracing test polls for them).
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${JAEGER_TEST_PORTS.otlpHttp}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
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
      const response = await fetch(`http://127.0.0.1:${app.opsPort}/health/ready`);
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
  options: {
    port?: number;
    env?: Record<string, string>;
    logSuffix?: string;
    readyTimeoutMs?: number;
    /** Outlives the test file that started it; the global teardown stops it. */
    detached?: boolean;
  } = {},
): Promise<RunningApp> {
  const port = options.port ?? TEST_PORTS[name];
  const portVar: Record<AppName, string> = {
    gateway: 'SOMA_GATEWAY_PORT',
    'conversation-worker': 'SOMA_WORKER_PORT',
    'tool-executor': 'SOMA_TOOL_EXECUTOR_PORT',
    requeue: 'SOMA_REQUEUE_PORT',
  };
  mkdirSync(join(STATE_DIR, 'logs'), { recursive: true });
  mkdirSync(join(STATE_DIR, 'run'), { recursive: true });
  // A leftover process on the port would answer the readiness probe in place of the new one.
  const taken = await fetch(`http://127.0.0.1:${port}/health/live`).then(
    () => true,
    () => false,
  );
  if (taken) throw new Error(`port ${port} is already served by another process (a leftover ${name}?)`);
  const logPath = join(STATE_DIR, 'logs', `test-${name}${options.logSuffix ?? ''}.log`);
  const args = ['--enable-source-maps', join(ROOT, 'dist', 'apps', name, 'src', 'main.js')];
  const env = appEnv({ [portVar[name]]: String(port), ...options.env });
  let child: ChildProcess;
  if (options.detached) {
    // It outlives the test file's process, so it writes its log itself (a pipe would break when we exit).
    const fd = openSync(logPath, 'a');
    child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    if (child.pid !== undefined) appendFileSync(DETACHED_PIDS, `${child.pid}\n`);
    child.unref();
  } else {
    const log = createWriteStream(logPath, { flags: 'a' });
    child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const app: RunningApp = {
    name,
    port,
    opsPort: opsPortOf(name, port, options.env),
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
