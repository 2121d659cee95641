import { retryDelayMs, type RetrySettings } from '#soma/platform';

/** How one attempt ended: a 2xx, or not (an HTTP status, a refused address, a timeout, a connection error). */
export type DeliveryOutcome =
  { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

export type FailurePlan = { kind: 'retry'; delayMs: number } | { kind: 'dead_letter' };

/** After `attempts` failed attempts: again after the project's backoff, or a dead letter after the last one. */
export function planAfterFailure(
  attempts: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): FailurePlan {
  if (attempts >= settings.maxAttempts) return { kind: 'dead_letter' };
  return { kind: 'retry', delayMs: retryDelayMs(attempts, settings, random) };
}
