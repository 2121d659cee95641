/** Gives back a slot taken with FairScheduler.acquire; calling it twice is harmless. */
export type Release = () => void;

export interface FairSchedulerOptions {
  /** Work items running at once, all tenants together. */
  slots: number;
  /** Work items one tenant may run at once (≤ slots): the rest of the slots stay open to other tenants. */
  perTenant: number;
}

interface Waiter {
  grant: (release: Release) => void;
  fail: (reason: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Slots shared fairly between tenants: at most `slots` items run at once and at most `perTenant` of them for one
 * tenant, and a free slot goes to the waiting tenant served least recently, never to whoever queued most. So a
 * tenant that floods waits behind itself: another tenant's item waits at most until one slot frees up (none at
 * all while the flooder is at its own limit and a slot is free).
 */
export class FairScheduler {
  private readonly running = new Map<string, number>();
  /** Waiting items per tenant, in arrival order. */
  private readonly queues = new Map<string, Waiter[]>();
  /** When each active tenant was last given a slot (a counter): the least recently served goes first. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  private total = 0;

  constructor(private readonly options: FairSchedulerOptions) {
    if (options.slots < 1 || options.perTenant < 1 || options.perTenant > options.slots)
      throw new Error(`fair scheduler: need 1 ≤ perTenant (${options.perTenant}) ≤ slots (${options.slots})`);
  }

  /** Runs `work` once a slot is free for `tenant`; the slot is released when it settles. */
  async run<T>(tenant: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(tenant, signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Waits for a slot; rejects with the signal's reason if it aborts first (the item leaves the queue). */
  acquire(tenant: string, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted)
      return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (this.queues.size === 0 && this.canRun(tenant)) return Promise.resolve(this.take(tenant));
    return new Promise<Release>((grant, fail) => {
      const waiter: Waiter = { grant, fail, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          this.remove(tenant, waiter);
          fail(
            signal.reason instanceof Error ? signal.reason : new Error('aborted while waiting for a slot'),
          );
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      const queue = this.queues.get(tenant);
      if (queue) queue.push(waiter);
      else this.queues.set(tenant, [waiter]);
      this.dispatch();
    });
  }

  /** What runs and waits now, per tenant (for metrics and the benchmark). */
  snapshot(): {
    running: number;
    waiting: number;
    tenants: Record<string, { running: number; waiting: number }>;
  } {
    const tenants: Record<string, { running: number; waiting: number }> = {};
    for (const [tenant, count] of this.running) tenants[tenant] = { running: count, waiting: 0 };
    let waiting = 0;
    for (const [tenant, queue] of this.queues) {
      tenants[tenant] = { running: this.running.get(tenant) ?? 0, waiting: queue.length };
      waiting += queue.length;
    }
    return { running: this.total, waiting, tenants };
  }

  private canRun(tenant: string): boolean {
    return this.total < this.options.slots && (this.running.get(tenant) ?? 0) < this.options.perTenant;
  }

  private take(tenant: string): Release {
    this.total++;
    this.lastServed.set(tenant, ++this.served);
    this.running.set(tenant, (this.running.get(tenant) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.running.get(tenant) ?? 1) - 1;
      if (left === 0) this.running.delete(tenant);
      else this.running.set(tenant, left);
      this.dispatch();
      if (!this.running.has(tenant) && !this.queues.has(tenant)) this.lastServed.delete(tenant);
    };
  }

  /** Serves waiting tenants in turn: the eligible tenant served least recently goes first. */
  private dispatch(): void {
    while (this.total < this.options.slots) {
      let next: string | undefined;
      for (const tenant of this.queues.keys()) {
        if (!this.canRun(tenant)) continue;
        if (next === undefined || (this.lastServed.get(tenant) ?? 0) < (this.lastServed.get(next) ?? 0))
          next = tenant;
      }
      if (next === undefined) return;
      const queue = this.queues.get(next) ?? [];
      const waiter = queue.shift();
      if (queue.length === 0) this.queues.delete(next);
      if (!waiter) continue;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.grant(this.take(next));
    }
  }

  private remove(tenant: string, waiter: Waiter): void {
    const queue = this.queues.get(tenant);
    if (!queue) return;
    const at = queue.indexOf(waiter);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0) this.queues.delete(tenant);
  }
}

/** A configured per-tenant share of `slots`: 0 means half of them, rounded up. */
export function tenantShare(slots: number, configured: number): number {
  return configured === 0 ? Math.ceil(slots / 2) : Math.min(configured, slots);
}
