import { assertUnreachable, type DecodeFailureCode } from '#soma/contracts';
import { PermanentMessageError } from '../kafka/kafka-handler.contract.js';

/**
 * Why a piece of work failed, as far as retrying is concerned. Every transport maps these once: Kafka consumers
 * (retry without committing, or dead-letter), and in-process work that waits out an outage (`persist`).
 */
export type FailureCode =
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_CONFLICT'
  | 'REDIS_UNAVAILABLE'
  | 'KAFKA_UNAVAILABLE'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'TIMEOUT'
  | DecodeFailureCode
  | 'PERMANENT'
  | 'HANDLER_FAILED';

export interface Failure {
  code: FailureCode;
  /** The dead-letter reason code: the permanent error's own code, else the failure code. */
  reason: string;
  message: string;
}

/** retry: as long as it takes; dead-letter: now; bounded: a few attempts (an unknown error may be a bug). */
export type FailureDisposition = 'retry' | 'dead-letter' | 'bounded';

export function dispositionOf(code: FailureCode): FailureDisposition {
  switch (code) {
    case 'DATABASE_UNAVAILABLE':
    case 'DATABASE_CONFLICT':
    case 'REDIS_UNAVAILABLE':
    case 'KAFKA_UNAVAILABLE':
    case 'DEPENDENCY_UNAVAILABLE':
    case 'TIMEOUT':
      return 'retry';
    case 'MALFORMED_JSON':
    case 'UNKNOWN_MESSAGE_TYPE':
    case 'SCHEMA_VIOLATION':
    case 'WRONG_TOPIC':
    case 'PERMANENT':
      return 'dead-letter';
    case 'HANDLER_FAILED':
      return 'bounded';
    default:
      return assertUnreachable(code);
  }
}

// SQLSTATE classes and codes that mean "the database could not do it now" (connection, shutdown, resources).
const PG_UNAVAILABLE_CLASSES = ['08', '53', '57P', '58'];
const PG_CONFLICT_CODES = new Set(['40001', '40P01', '55P03']);
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const PG_MESSAGES = [
  /connection terminated/i,
  /terminating connection/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Connection is not established/i,
];
const REDIS_MESSAGES = [/Connection is closed/i, /max retries per request/i, /Stream isn't writeable/i];

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  retriable?: unknown;
  cause?: unknown;
  driverError?: unknown;
}

/** The error and what it wraps (TypeORM's driverError, fetch's cause, kafkajs' originalError...). */
function chain(error: unknown): ErrorLike[] {
  const seen: ErrorLike[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && seen.length < 8) {
    const item = current as ErrorLike & { originalError?: unknown };
    seen.push(item);
    current = item.driverError ?? item.cause ?? item.originalError;
  }
  return seen;
}

function classifyOne(item: ErrorLike): FailureCode | undefined {
  const name = typeof item.name === 'string' ? item.name : '';
  const message = typeof item.message === 'string' ? item.message : '';
  const code = typeof item.code === 'string' ? item.code : '';
  if (PG_CONFLICT_CODES.has(code)) return 'DATABASE_CONFLICT';
  if (/^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE_CLASSES.some((prefix) => code.startsWith(prefix)))
    return 'DATABASE_UNAVAILABLE';
  if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((re) => re.test(message)))
    return 'REDIS_UNAVAILABLE';
  if (name.startsWith('KafkaJS') && (item.retriable === true || /Connection|Timeout|Retries/.test(name)))
    return 'KAFKA_UNAVAILABLE';
  if (PG_MESSAGES.some((re) => re.test(message))) return 'DATABASE_UNAVAILABLE';
  if (name === 'TimeoutError' || /timed? ?out/i.test(message)) return 'TIMEOUT';
  if (NET_CODES.has(code) || (name === 'TypeError' && message === 'fetch failed'))
    return 'DEPENDENCY_UNAVAILABLE';
  return undefined;
}

/** Classifies any thrown value; an error nobody recognises is HANDLER_FAILED. */
export function classifyFailure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PermanentMessageError) return { code: 'PERMANENT', reason: error.code, message };
  for (const item of chain(error)) {
    const code = classifyOne(item);
    if (code) return { code, reason: code, message };
  }
  return { code: 'HANDLER_FAILED', reason: 'HANDLER_FAILED', message };
}

export const isTransient = (error: unknown): boolean =>
  dispositionOf(classifyFailure(error).code) === 'retry';

/** Backoff of the n-th retry (1-based): 100 ms doubling, at most `maxMs`. */
export const backoffMs = (retry: number, maxMs = 2000): number =>
  Math.min(maxMs, 100 * 2 ** Math.min(10, retry - 1));

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay is fixed, half random, so retries
 * of many calls blocked together spread out while each still waits at least half its step.
 */
export function retryDelayMs(attempt: number, settings: RetrySettings, random: () => number): number {
  const exponential = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/**
 * Runs `work` until it succeeds, waiting out transient failures (an outage of PostgreSQL, Redis, Kafka or an
 * engine) with backoff for as long as it takes; rethrows anything else, or the abort reason once `signal` fires.
 */
export async function persist<T>(
  work: () => Promise<T>,
  options: { signal?: AbortSignal; onRetry?: (failure: Failure, retry: number) => void } = {},
): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      return await work();
    } catch (error) {
      const failure = classifyFailure(error);
      if (dispositionOf(failure.code) !== 'retry') throw error;
      if (options.signal?.aborted) throw options.signal.reason;
      options.onRetry?.(failure, retry);
      await new Promise((resolve) => setTimeout(resolve, backoffMs(retry)));
      if (options.signal?.aborted) throw options.signal.reason;
    }
  }
}
