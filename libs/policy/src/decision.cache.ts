import { type PolicyDecision } from '#soma/contracts';
import { createHash } from 'node:crypto';
import { type PolicyInput } from './policy-input.contract.js';

/** JSON with sorted keys, so equal inputs give equal keys whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function decisionKey(input: PolicyInput): string {
  return createHash('sha256').update(canonicalJson(input)).digest('base64url');
}

/**
 * A short-lived in-process cache of definitive decisions. In-process rather than Redis: a hit must cost
 * microseconds (the cached-gate goal is p99 ≤ 0.5 ms), and with a TTL of seconds sharing hits across
 * instances gains little. Engine failures are never cached.
 */
export class DecisionCache {
  private readonly entries = new Map<string, { decision: PolicyDecision; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(key: string): PolicyDecision | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.decision;
  }

  set(key: string, decision: PolicyDecision): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { decision, expires: this.now() + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
