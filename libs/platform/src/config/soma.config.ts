import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { parseCidr } from '../egress/address-guard.js';

/**
 * All configuration, read from the environment in this one place, validated once at boot.
 * Bad values stop the app with the full list of problems.
 */
type Parser<T> = (raw: string | undefined, name: string, problems: string[]) => T;

const str =
  (fallback?: string): Parser<string> =>
  (raw, name, problems) => {
    const value = raw ?? fallback;
    if (value === undefined || value === '') problems.push(`${name} is required`);
    return value ?? '';
  };

const optionalStr = (): Parser<string | undefined> => (raw) =>
  raw === undefined || raw === '' ? undefined : raw;

/** An optional secret that, when given, must be long enough to resist guessing. */
const optionalSecret =
  (minLength: number): Parser<string | undefined> =>
  (raw, name, problems) => {
    if (raw === undefined || raw === '') return undefined;
    if (raw.length < minLength)
      problems.push(`${name} must be at least ${minLength} characters (got ${raw.length}); use a random key`);
    return raw;
  };

const int =
  (fallback: number, min: number, max: number): Parser<number> =>
  (raw, name, problems) => {
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
      return fallback;
    }
    return value;
  };

const list =
  (fallback: string[]): Parser<string[]> =>
  (raw, name, problems) => {
    const value = raw === undefined || raw === '' ? fallback : raw.split(',').map((part) => part.trim());
    if (value.length === 0 || value.some((part) => part === ''))
      problems.push(`${name} must be a comma list`);
    return value;
  };

const oneOf =
  <T extends string>(fallback: T, allowed: readonly T[]): Parser<T> =>
  (raw, name, problems) => {
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  };

const cidrList = (): Parser<string[]> => (raw, name, problems) => {
  if (raw === undefined || raw.trim() === '') return [];
  const cidrs = raw.split(',').map((part) => part.trim());
  for (const cidr of cidrs) {
    try {
      parseCidr(cidr);
    } catch {
      problems.push(`${name} must be a comma list of CIDRs (10.0.0.0/8, fd00::/8), got "${cidr}"`);
    }
  }
  return cidrs;
};

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** Express's `trust proxy`: a hop count, or the proxies' addresses (CIDRs, or loopback/linklocal/uniquelocal). */
const trustProxy = (): Parser<number | string[] | undefined> => (raw, name, problems) => {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) {
    const hops = Number(raw.trim());
    if (hops < 1 || hops > 10) problems.push(`${name} as a hop count must be in [1, 10], got "${raw}"`);
    return hops;
  }
  const entries = raw.split(',').map((part) => part.trim());
  for (const entry of entries) {
    if (PROXY_NAMES.includes(entry)) continue;
    try {
      parseCidr(entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`);
    } catch {
      problems.push(
        `${name} must be a hop count or a comma list of proxy addresses, CIDRs, ${PROXY_NAMES.join(', ')}; got "${entry}"`,
      );
    }
  }
  return entries;
};

const pgUrlProblem = (value: string): string | undefined => {
  try {
    const url = new URL(value);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return 'is not a postgres:// URL';
    if (url.username === '') return 'names no role (postgres://<role>:<password>@host:port/db)';
    return undefined;
  } catch {
    return 'is not a URL';
  }
};

const pgUrl =
  (fallback: string): Parser<string> =>
  (raw, name, problems) => {
    const value = raw === undefined || raw === '' ? fallback : raw;
    const problem = pgUrlProblem(value);
    if (problem) problems.push(`${name} ${problem}`);
    return value;
  };

const optionalPgUrl = (): Parser<string | undefined> => (raw, name, problems) => {
  if (raw === undefined || raw === '') return undefined;
  const problem = pgUrlProblem(raw);
  if (problem) problems.push(`${name} ${problem}`);
  return raw;
};

const optionalHttpUrl = (): Parser<string | undefined> => (raw, name, problems) => {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    const url = new URL(raw.trim());
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http(s) URL, got "${raw}"`);
  return undefined;
};

const flag = (): Parser<boolean> => (raw, name, problems) => {
  if (raw === undefined || raw.trim() === '') return false;
  const value = raw.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') problems.push(`${name} must be true or false, got "${raw}"`);
  return value === 'true';
};

const cacheDir = process.env.SOMA_CACHE_DIR ?? join(homedir(), '.cache', 'soma');

const spec = {
  // The apps connect as the application role (soma_app: it cannot rewrite the audit trail); migrations,
  // provisioning and `npm run admin:recover` as the owner of the tables (docs/audit.md).
  pgUrl: ['SOMA_PG_URL', pgUrl('postgres://soma_app:soma_app@127.0.0.1:15432/soma')],
  pgOwnerUrl: ['SOMA_PG_OWNER_URL', optionalPgUrl()],
  redisUrl: ['SOMA_REDIS_URL', str('redis://127.0.0.1:16379')],
  kafkaBrokers: ['SOMA_KAFKA_BROKERS', list(['127.0.0.1:19092'])],
  opaUrl: ['SOMA_OPA_URL', str('http://127.0.0.1:18181')],
  fgaUrl: ['SOMA_FGA_URL', str('http://127.0.0.1:18080')],
  // The Prometheus that scrapes the apps; the gateway reads the console's dashboard from it (docs/operations.md).
  prometheusUrl: ['SOMA_PROMETHEUS_URL', str('http://127.0.0.1:19090')],
  logLevel: ['SOMA_LOG_LEVEL', oneOf('info', ['debug', 'info', 'warn', 'error'] as const)],
  instanceId: ['SOMA_INSTANCE_ID', str(`${hostname()}-${process.pid}`)],
  gatewayHost: ['SOMA_GATEWAY_HOST', str('127.0.0.1')],
  gatewayPort: ['SOMA_GATEWAY_PORT', int(3000, 1, 65535)],
  // Where the internal apps (worker, tool executor, requeue) serve health and metrics; 0.0.0.0 in a container.
  internalHost: ['SOMA_INTERNAL_HOST', str('127.0.0.1')],
  // The gateway's operations listener (/metrics, /health/ready): never the public port (docs/operations.md).
  // 0: the public port + 1000.
  // The proxies in front of the gateway whose X-Forwarded-For/-Proto are believed (client IP, TLS); unset: none.
  trustProxy: ['SOMA_TRUST_PROXY', trustProxy()],
  gatewayOpsHost: ['SOMA_GATEWAY_OPS_HOST', str('127.0.0.1')],
  gatewayOpsPort: ['SOMA_GATEWAY_OPS_PORT', int(0, 0, 65535)],
  workerPort: ['SOMA_WORKER_PORT', int(3001, 1, 65535)],
  toolExecutorPort: ['SOMA_TOOL_EXECUTOR_PORT', int(3002, 1, 65535)],
  requeuePort: ['SOMA_REQUEUE_PORT', int(3003, 1, 65535)],
  bodyLimitBytes: ['SOMA_BODY_LIMIT_BYTES', int(64 * 1024, 1024, 10 * 1024 * 1024)],
  messageMaxChars: ['SOMA_MESSAGE_MAX_CHARS', int(8000, 1, 1_000_000)],
  replayRetentionHours: ['SOMA_REPLAY_RETENTION_HOURS', int(24, 1, 24 * 90)],
  // Client streams (docs/gateway.md, Streaming): a replay reads the log in pages of this many events, each sent once
  // the client took the last one; a client leaving more than this many bytes unread is cut off (STREAM_SLOW_READER);
  // a client that takes nothing for this long (a replay page, or its buffer after the cut-off) is dropped.
  streamReplayPageSize: ['SOMA_STREAM_REPLAY_PAGE_SIZE', int(500, 10, 10_000)],
  streamMaxBufferBytes: ['SOMA_STREAM_MAX_BUFFER_BYTES', int(1024 * 1024, 64 * 1024, 256 * 1024 * 1024)],
  streamDrainTimeoutMs: ['SOMA_STREAM_DRAIN_TIMEOUT_MS', int(30_000, 100, 600_000)],
  rateLimitRequests: ['SOMA_RATE_LIMIT_REQUESTS', int(1200, 1, 1_000_000)],
  rateLimitWindowSeconds: ['SOMA_RATE_LIMIT_WINDOW_SECONDS', int(60, 1, 3600)],
  // Per window, like SOMA_RATE_LIMIT_REQUESTS (per key): per tenant, per client IP (requests without a valid
  // key), /docs/sign-in per IP, Socket.IO connections per IP and socket events per key. docs/gateway.md.
  rateLimitTenantRequests: ['SOMA_RATE_LIMIT_TENANT_REQUESTS', int(6000, 1, 10_000_000)],
  rateLimitIpRequests: ['SOMA_RATE_LIMIT_IP_REQUESTS', int(600, 1, 1_000_000)],
  rateLimitSignInRequests: ['SOMA_RATE_LIMIT_SIGN_IN_REQUESTS', int(20, 1, 100_000)],
  rateLimitSocketConnections: ['SOMA_RATE_LIMIT_SOCKET_CONNECTIONS', int(600, 1, 1_000_000)],
  rateLimitSocketEvents: ['SOMA_RATE_LIMIT_SOCKET_EVENTS', int(1200, 1, 1_000_000)],
  socketMaxPayloadBytes: ['SOMA_SOCKET_MAX_PAYLOAD_BYTES', int(16 * 1024, 1024, 1024 * 1024)],
  tokenCoalesceMs: ['SOMA_TOKEN_COALESCE_MS', int(15, 0, 1000)],
  workerConcurrency: ['SOMA_WORKER_CONCURRENCY', int(2, 1, 64)],
  modelPath: ['SOMA_MODEL_PATH', str(join(cacheDir, 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf'))],
  llmThreads: ['SOMA_LLM_THREADS', int(2, 1, 64)],
  llmContextSize: ['SOMA_LLM_CONTEXT_SIZE', int(2048, 256, 131072)],
  llmSequences: ['SOMA_LLM_SEQUENCES', int(2, 1, 16)],
  // Sequences one tenant's generations may hold at once (0: half of SOMA_LLM_SEQUENCES, rounded up).
  llmTenantSequences: ['SOMA_LLM_TENANT_SEQUENCES', int(0, 0, 16)],
  llmMaxTokens: ['SOMA_LLM_MAX_TOKENS', int(128, 1, 8192)],
  systemPrompt: [
    'SOMA_SYSTEM_PROMPT',
    str('You are Soma, a helpful assistant. Answer briefly and accurately.'),
  ],
  adminApiKey: ['SOMA_ADMIN_API_KEY', optionalSecret(32)],
  tenantDailyTokenBudget: ['SOMA_TENANT_DAILY_TOKEN_BUDGET', int(1_000_000, 0, Number.MAX_SAFE_INTEGER)],
  sessionTokenCap: ['SOMA_SESSION_TOKEN_CAP', int(200_000, 0, Number.MAX_SAFE_INTEGER)],
  // Seconds of tool running time a tenant may use per UTC day (all tools; a tenant's budget row overrides it).
  tenantDailyToolSeconds: ['SOMA_TENANT_DAILY_TOOL_SECONDS', int(3600, 0, Number.MAX_SAFE_INTEGER)],
  // Tool calls running at once for one tenant (0: half of SOMA_TOOL_CONCURRENCY, rounded up), and tool requests
  // taken from Kafka ahead of a free slot (they wait, fairly between tenants, in the executor).
  toolTenantConcurrency: ['SOMA_TOOL_TENANT_CONCURRENCY', int(0, 0, 32)],
  toolMaxInFlight: ['SOMA_TOOL_MAX_IN_FLIGHT', int(32, 1, 1024)],
  turnLeaseMs: ['SOMA_TURN_LEASE_MS', int(15_000, 1000, 600_000)],
  // How many runs a turn gets when its worker dies mid-turn (the others resume it) before WORKER_LOST.
  turnMaxAttempts: ['SOMA_TURN_MAX_ATTEMPTS', int(2, 1, 20)],
  // A queued turn that did not start for this long, with nothing else running in its session, failed to start.
  turnStartTimeoutMs: ['SOMA_TURN_START_TIMEOUT_MS', int(600_000, 1000, 86_400_000)],
  kafkaSessionTimeoutMs: ['SOMA_KAFKA_SESSION_TIMEOUT_MS', int(10_000, 6000, 300_000)],
  // How often each app measures its consumer groups' lag (kafka_consumer_group_lag); 0: never.
  kafkaLagIntervalMs: ['SOMA_KAFKA_LAG_INTERVAL_MS', int(15_000, 0, 3_600_000)],
  historyCacheSize: ['SOMA_HISTORY_CACHE_SIZE', int(200, 0, 10_000)],
  // Policy gate (libs/policy): fail-closed by default; canary allows and marks every decision.
  policyMode: ['SOMA_POLICY_MODE', oneOf('enforcing', ['enforcing', 'canary'] as const)],
  policyCacheTtlMs: ['SOMA_POLICY_CACHE_TTL_MS', int(2000, 0, 600_000)],
  policyTimeoutMs: ['SOMA_POLICY_TIMEOUT_MS', int(1000, 10, 60_000)],
  opaDecisionPath: ['SOMA_OPA_DECISION_PATH', str('soma/tools/decision')],
  fgaStoreName: ['SOMA_FGA_STORE', str('soma')],
  /** Tools a new tenant is granted (OpenFGA); an operator changes them with PUT /v1/tenants/{id}/tools. */
  newTenantTools: [
    'SOMA_NEW_TENANT_TOOLS',
    list(['code.execute', 'http.fetch', 'web.search', 'memory.write', 'memory.search']),
  ],
  // How long a tool call waits for its session's user to approve it (approval in the chat) before the turn ends
  // with TOOL_TIMEOUT and the approval expires.
  toolApprovalTimeoutMs: ['SOMA_TOOL_APPROVAL_TIMEOUT_MS', int(900_000, 1000, 7 * 86_400_000)],
  // Tools (libs/tools) and the sandbox.
  toolConcurrency: ['SOMA_TOOL_CONCURRENCY', int(4, 1, 32)],
  bwrapPath: ['SOMA_BWRAP', str('/usr/bin/bwrap')],
  // The jail per run (docs/sandbox.md): enforcing refuses to start without all of it; degraded runs without the
  // missing parts, loudly. Runs take uids (and gids) BASE .. BASE+SIZE-1, one each, and wait up to WAIT_MS for one.
  sandboxJail: ['SOMA_SANDBOX_JAIL', oneOf('enforcing', ['enforcing', 'degraded'] as const)],
  sandboxUidBase: ['SOMA_SANDBOX_UID_BASE', int(200_000, 1, 2 ** 31 - 65_536)],
  sandboxUidPoolSize: ['SOMA_SANDBOX_UID_POOL_SIZE', int(64, 1, 65_536)],
  sandboxPoolWaitMs: ['SOMA_SANDBOX_POOL_WAIT_MS', int(10_000, 0, 600_000)],
  // The cgroup file system (v2 unified, or v1 with one hierarchy per controller under it) and the runs' parent.
  sandboxCgroupFs: ['SOMA_SANDBOX_CGROUP_FS', str('/sys/fs/cgroup')],
  sandboxCgroupParent: ['SOMA_SANDBOX_CGROUP_PARENT', str('soma-sandbox')],
  searxngUrl: ['SOMA_SEARXNG_URL', optionalStr()],
  // SLM preprocessing: a per-message time budget (queue wait included), how many messages may wait or run
  // at once before new ones are marked OVERLOADED, the embedding threads, and the trained classifier weights.
  slmBudgetMs: ['SOMA_SLM_BUDGET_MS', int(150, 1, 60_000)],
  slmMaxPending: ['SOMA_SLM_MAX_PENDING', int(4, 1, 256)],
  // The embedding model is derived from the chat GGUF by scripts/infra (first layers, no LM head, mean pooling).
  slmModelPath: [
    'SOMA_SLM_MODEL_PATH',
    str(join(cacheDir, 'models', 'SmolLM2-135M-Instruct.embed16.Q4_0.gguf')),
  ],
  slmThreads: ['SOMA_SLM_THREADS', int(1, 1, 64)],
  slmMaxInputTokens: ['SOMA_SLM_MAX_INPUT_TOKENS', int(64, 8, 2048)],
  slmWeightsPath: [
    'SOMA_SLM_WEIGHTS_PATH',
    str(join(process.cwd(), 'data', 'slm', 'classifier-weights.json')),
  ],
  // Requeue: retries of transient failures (exponential backoff with jitter), then a dead letter.
  retryMaxAttempts: ['SOMA_RETRY_MAX_ATTEMPTS', int(6, 1, 100)],
  retryBaseDelayMs: ['SOMA_RETRY_BASE_DELAY_MS', int(500, 1, 600_000)],
  retryMaxDelayMs: ['SOMA_RETRY_MAX_DELAY_MS', int(8000, 1, 3_600_000)],
  // Egress to tenant-given addresses (webhooks): internal ranges are refused unless listed here explicitly.
  egressAllowCidrs: ['SOMA_EGRESS_ALLOW_CIDRS', cidrList()],
  // Webhooks: secrets are sealed with this key (AES-256-GCM); set your own in production.
  webhookSecretKey: ['SOMA_WEBHOOK_SECRET_KEY', str('soma-dev-webhook-secret-key-change-me')],
  // List cursors are signed with this key (HMAC-SHA256): a tampered cursor or another tenant's is refused.
  cursorSecretKey: ['SOMA_CURSOR_SECRET_KEY', str('soma-dev-cursor-secret-key-change-me')],
  // Deliveries: attempts with backoff (SOMA_RETRY_* style, longer by default), then a dead letter.
  webhookMaxAttempts: ['SOMA_WEBHOOK_MAX_ATTEMPTS', int(10, 1, 100)],
  webhookBaseDelayMs: ['SOMA_WEBHOOK_BASE_DELAY_MS', int(30_000, 1, 3_600_000)],
  webhookMaxDelayMs: ['SOMA_WEBHOOK_MAX_DELAY_MS', int(3_600_000, 1, 86_400_000)],
  webhookTimeoutMs: ['SOMA_WEBHOOK_TIMEOUT_MS', int(10_000, 100, 120_000)],
  webhookPollMs: ['SOMA_WEBHOOK_POLL_MS', int(1000, 10, 60_000)],
  // OpenTelemetry traces (docs/tracing.md), by the standard OTEL_* variables: off unless an OTLP endpoint or
  // OTEL_TRACES_EXPORTER is set. The SDK reads the others it knows itself (headers, timeout, sampler, resource).
  otelSdkDisabled: ['OTEL_SDK_DISABLED', flag()],
  // service.name; unset, each app is its own service (soma-gateway, soma-conversation-worker, ...).
  otelServiceName: ['OTEL_SERVICE_NAME', optionalStr()],
  otelTracesExporter: ['OTEL_TRACES_EXPORTER', oneOf('', ['', 'otlp', 'console', 'none'] as const)],
  otlpEndpoint: ['OTEL_EXPORTER_OTLP_ENDPOINT', optionalHttpUrl()],
  otlpTracesEndpoint: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', optionalHttpUrl()],
  otlpProtocol: [
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    oneOf('http/protobuf', ['http/protobuf', 'http/json'] as const),
  ],
  otlpTracesProtocol: [
    'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    oneOf('', ['', 'http/protobuf', 'http/json'] as const),
  ],
  // How long finished spans wait before they are sent, in ms (the SDK's default is 5000).
  otelBspScheduleDelayMs: ['OTEL_BSP_SCHEDULE_DELAY', int(5000, 0, 600_000)],
  otelTracesSampler: [
    'OTEL_TRACES_SAMPLER',
    oneOf('parentbased_always_on', [
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ] as const),
  ],
} as const;

type Spec = typeof spec;
export type SomaConfigValues = { readonly [K in keyof Spec]: ReturnType<Spec[K][1]> };

/** A secret named by configuration (for example a model profile's API key variable); undefined if unset. */
export function readSecret(name: string): string | undefined {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) return undefined;
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Parses the environment; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SomaConfigValues {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, [name, parse]] of Object.entries(spec)) {
    values[key] = (parse as Parser<unknown>)(env[name], name, problems);
  }
  const shares: [keyof Spec, keyof Spec][] = [
    ['toolTenantConcurrency', 'toolConcurrency'],
    ['llmTenantSequences', 'llmSequences'],
  ];
  for (const [share, whole] of shares) {
    if (Number(values[share]) > Number(values[whole]))
      problems.push(
        `${spec[share][0]} (${String(values[share])}) must not exceed ${spec[whole][0]} (${String(values[whole])})`,
      );
  }
  if (values.gatewayOpsPort === 0) values.gatewayOpsPort = Math.min(Number(values.gatewayPort) + 1000, 65535);
  if (values.gatewayOpsPort === values.gatewayPort)
    problems.push(
      'SOMA_GATEWAY_OPS_PORT must differ from SOMA_GATEWAY_PORT: operations stay off the public port',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return values as SomaConfigValues;
}

/** The validated configuration, injected by class. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SomaConfig {
  constructor(values: SomaConfigValues) {
    Object.assign(this, values);
  }
}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface SomaConfig extends SomaConfigValues {}
