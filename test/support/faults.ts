/**
 * Fault controls for the fault suite: real signals to the project's own PostgreSQL, Redis and Kafka, found only
 * through the pid files and data dir that scripts/infra/infra.sh writes under $SOMA_STATE_DIR. Each control
 * resolves once the fault is in place and returns how long that took, in ms.
 */
import { allTopicSpecs } from '#soma/contracts';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ROOT, STATE_DIR } from './apps.js';

const run = promisify(execFile);
const WAIT_MS = 60_000;

/** The cluster's data dir, as scripts/infra/components/postgres.sh chooses it (data/postgres may be a symlink). */
const PG_DATA_DIR = process.env.SOMA_PG_DATA_DIR ?? join(STATE_DIR, 'data', 'postgres');

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** The process state letter from /proc/<pid>/stat (R, S, T, Z...), undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  const state = procState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** A pid from a pid file, only if that process is alive and is what the file claims (pids get reused). */
function pidFromFile(file: string, marker: string): number {
  if (!existsSync(file)) throw new Error(`no pid file ${file}: is the infrastructure up?`);
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  const cmd = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? cmdline(pid) : undefined;
  if (cmd === undefined || !cmd.includes(marker)) {
    throw new Error(`pid file ${file} names ${String(pid)}, which is not a live '${marker}' process`);
  }
  return pid;
}

export function postgresPid(): number {
  const dir = existsSync(PG_DATA_DIR) ? realpathSync(PG_DATA_DIR) : PG_DATA_DIR;
  return pidFromFile(join(dir, 'postmaster.pid'), `postgres -D ${dir}`);
}

export function redisPid(): number {
  return pidFromFile(join(STATE_DIR, 'run', 'redis.pid'), 'redis-server');
}

export function opaPid(): number {
  return pidFromFile(join(STATE_DIR, 'run', 'opa.pid'), 'opa run --server');
}

export function kafkaPid(): number {
  return pidFromFile(join(STATE_DIR, 'run', 'kafka.pid'), 'kafka.Kafka');
}

/**
 * The live process of an app instance, by its instance id (what the turns API reports): the default id ends in
 * the pid (`<host>-<pid>`); an id set with SOMA_INSTANCE_ID is found in the processes' environments.
 */
export function pidOfInstance(instanceId: string): number {
  const own = /-(\d+)$/.exec(instanceId);
  if (own && instanceId === `${hostname()}-${own[1]}` && isAlive(Number(own[1]))) return Number(own[1]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`SOMA_INSTANCE_ID=${instanceId}`) && isAlive(Number(entry))) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return 0;
}

/** Sends a signal; false when the process is already gone. */
export function killPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function waitUntil(what: string, done: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopAndWait(name: string, pid: number, signal: NodeJS.Signals): Promise<number> {
  const started = Date.now();
  killPid(pid, signal);
  await waitUntil(`${name} (pid ${pid}) to exit after ${signal}`, () => !isAlive(pid));
  return Date.now() - started;
}

/** PostgreSQL fast shutdown (SIGINT to the postmaster): sessions are cut, new connections refused. */
export async function stopPostgres(): Promise<number> {
  return stopAndWait('postgres', postgresPid(), 'SIGINT');
}

export async function stopRedis(): Promise<number> {
  return stopAndWait('redis', redisPid(), 'SIGTERM');
}

/** SIGKILL to OPA: its in-memory data (the tenants' policy settings) is gone with it. */
export async function killOpa(): Promise<number> {
  return stopAndWait('opa', opaPid(), 'SIGKILL');
}

/** SIGKILL to the broker JVM: no clean shutdown, as in a crash. */
export async function killKafka(): Promise<number> {
  return stopAndWait('kafka', kafkaPid(), 'SIGKILL');
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-P', String(pid)]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch (error) {
    // pgrep exits 1 when nothing matches
    if ((error as { code?: unknown }).code === 1) return [];
    throw error;
  }
}

/**
 * Signals a process and its children. The parent is stopped first, so it cannot fork a child that the list
 * misses; on continue the parent goes last, so its children are running before it hands them work.
 */
async function signalTree(pid: number, signal: 'SIGSTOP' | 'SIGCONT'): Promise<number> {
  const started = Date.now();
  if (signal === 'SIGSTOP') killPid(pid, signal);
  const pids = [...(await childrenOf(pid)), pid];
  for (const p of pids) killPid(p, signal);
  // Delivery is asynchronous: wait until /proc shows every process stopped (T) or running again.
  const inPlace = (p: number): boolean =>
    !isAlive(p) || (signal === 'SIGSTOP' ? procState(p) === 'T' : procState(p) !== 'T');
  await waitUntil(`${signal} to reach pids ${pids.join(', ')}`, () => pids.every(inPlace), 10_000);
  return Date.now() - started;
}

/** Every process of the cluster stops (SIGSTOP): connections stay open and calls hang. */
export async function freezePostgres(): Promise<number> {
  return signalTree(postgresPid(), 'SIGSTOP');
}

export async function thawPostgres(): Promise<number> {
  return signalTree(postgresPid(), 'SIGCONT');
}

export async function freezeRedis(): Promise<number> {
  return signalTree(redisPid(), 'SIGSTOP');
}

export async function thawRedis(): Promise<number> {
  return signalTree(redisPid(), 'SIGCONT');
}

function portOf(url: string | undefined): string | undefined {
  return url?.match(/:(\d+)(?:[/?,]|$)/)?.[1];
}

/**
 * infra.sh reads its ports from SOMA_*_PORT, while a test process usually has only infra.env's URLs: without
 * this a restart would render Kafka's config, or check readiness, on the default ports of another stack.
 */
function infraEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SOMA_STATE_DIR: STATE_DIR };
  const derived: Record<string, string | undefined> = {
    SOMA_PG_PORT: portOf(env.SOMA_PG_URL),
    SOMA_REDIS_PORT: portOf(env.SOMA_REDIS_URL),
    SOMA_KAFKA_PORT: portOf(env.SOMA_KAFKA_BROKERS?.split(',')[0]),
    SOMA_OPA_PORT: portOf(env.SOMA_OPA_URL),
    SOMA_FGA_HTTP_PORT: portOf(env.SOMA_FGA_URL),
    SOMA_FGA_GRPC_PORT: portOf(env.SOMA_FGA_GRPC_ADDR),
  };
  const kafkaProps = join(STATE_DIR, 'data', 'kafka', 'server.properties');
  if (existsSync(kafkaProps)) {
    derived.SOMA_KAFKA_CONTROLLER_PORT = readFileSync(kafkaProps, 'utf8').match(
      /^controller\.quorum\.voters=1@[^:]+:(\d+)$/m,
    )?.[1];
  }
  for (const [key, value] of Object.entries(derived)) {
    if (env[key] === undefined && value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * Restarts whatever is missing with the project's own `infra.sh up` and resolves when it exits 0, with its
 * duration in ms. Provisioning is skipped by default: topics, schema, keys and the OpenFGA store live in
 * Kafka's and PostgreSQL's data dirs and survive a restart (Redis holds none of it), and provision.sh may
 * rebuild dist/ under the running apps.
 */
export async function restartInfra(options: { provision?: boolean } = {}): Promise<number> {
  const started = Date.now();
  const env = { ...infraEnv(), SOMA_SKIP_PROVISION: options.provision ? '0' : '1' };
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'infra', 'infra.sh'), 'up'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0)
    throw new Error(`infra.sh up exited with ${String(code)}:\n${output.join('').slice(-4000)}`);
  return Date.now() - started;
}

async function answersWithin(
  timeoutMs: number,
  probe: (signal: AbortSignal) => Promise<boolean>,
): Promise<boolean> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([probe(abort.signal).catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when a new connection to the project's PostgreSQL answers `SELECT 1` within the timeout. */
export async function postgresAnswers(timeoutMs = 2000): Promise<boolean> {
  return answersWithin(timeoutMs, async (signal) => {
    const client = new pg.Client({
      connectionString: process.env.SOMA_PG_URL ?? 'postgres://soma:soma@127.0.0.1:15432/soma',
      connectionTimeoutMillis: timeoutMs,
    });
    client.on('error', () => undefined);
    signal.addEventListener('abort', () => void client.end().catch(() => undefined));
    try {
      await client.connect();
      return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one === 1;
    } finally {
      void client.end().catch(() => undefined);
    }
  });
}

/** True when a new connection to the project's Redis answers PING within the timeout. */
export async function redisAnswers(timeoutMs = 2000): Promise<boolean> {
  return answersWithin(timeoutMs, async (signal) => {
    const redis = new Redis(process.env.SOMA_REDIS_URL ?? 'redis://127.0.0.1:16379', {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    signal.addEventListener('abort', () => {
      redis.disconnect();
    });
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } finally {
      redis.disconnect();
    }
  });
}

/** True when the broker answers metadata for every project topic and each partition has a leader. */
export async function kafkaAnswers(timeoutMs = 5000): Promise<boolean> {
  return answersWithin(timeoutMs, async (signal) => {
    const admin = new Kafka({
      clientId: 'soma-test-faults',
      brokers: (process.env.SOMA_KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      retry: { retries: 0 },
    }).admin();
    signal.addEventListener('abort', () => void admin.disconnect().catch(() => undefined));
    try {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: allTopicSpecs().map((spec) => spec.name) });
      return topics.every((topic) => topic.partitions.every((partition) => partition.leader >= 0));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  });
}
