import { type PolicyDecision } from '#soma/contracts';

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What requeue does with a blocked call: keep it for an admin, retry it later, or give up (dead letter). */
export type BlockedPlan = { kind: 'review' } | { kind: 'retry'; delayMs: number } | { kind: 'dead_letter' };

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay is fixed, half random, so retries
 * of many calls blocked together spread out while each still waits at least half its step.
 */
export function retryDelayMs(attempt: number, settings: RetrySettings, random: () => number): number {
  const exponential = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** A transient block (an engine was unreachable) is retried until `maxAttempts` attempts were made. */
export function planBlocked(
  decision: PolicyDecision,
  attempt: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): BlockedPlan {
  if (!decision.transient) return { kind: 'review' };
  if (attempt >= settings.maxAttempts) return { kind: 'dead_letter' };
  return { kind: 'retry', delayMs: retryDelayMs(attempt, settings, random) };
}
