import { type PolicyDecision } from '#soma/contracts';
import { retryDelayMs, type RetrySettings } from '#soma/platform';

// The backoff itself lives in the platform (webhook deliveries use it too); re-exported for requeue's callers.
export { retryDelayMs, type RetrySettings };

/** What requeue does with a blocked call: keep it for an admin, retry it later, or give up (dead letter). */
export type BlockedPlan = { kind: 'review' } | { kind: 'retry'; delayMs: number } | { kind: 'dead_letter' };

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
