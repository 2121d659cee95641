import { ToolError } from '../tools.errors.js';

/**
 * The uids (and gids) runs are given, one per run at a time: `base .. base + size - 1`. In this process a uid
 * is held until its run's release; `claim` is the cross-process half (the run's cgroup mkdir), so a uid another
 * executor on the host holds is skipped. When every uid is held a run waits, up to `waitMs`, then fails with
 * SANDBOX_BUSY.
 */
export class UidPool {
  private readonly held = new Set<number>();
  private next = 0;
  private waiters: (() => void)[] = [];

  constructor(
    readonly base: number,
    readonly size: number,
    private readonly waitMs: number,
  ) {}

  get inUse(): number {
    return this.held.size;
  }

  async lease<T>(
    claim: (uid: number) => Promise<T | null>,
    signal?: AbortSignal,
  ): Promise<{ uid: number; claimed: T }> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      signal?.throwIfAborted();
      for (let i = 0; i < this.size; i++) {
        const uid = this.base + ((this.next + i) % this.size);
        if (this.held.has(uid)) continue;
        this.held.add(uid);
        let claimed: T | null;
        try {
          claimed = await claim(uid);
        } catch (error) {
          this.release(uid);
          throw error;
        }
        if (claimed !== null) {
          this.next = (uid - this.base + 1) % this.size;
          return { uid, claimed };
        }
        this.held.delete(uid);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ToolError(
          'SANDBOX_BUSY',
          `all ${this.size} sandbox uids (${this.base}..${this.base + this.size - 1}) are in use; waited ${this.waitMs} ms`,
        );
      }
      // A release here wakes us at once; a uid freed by another executor is seen on the next poll.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 100));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(done);
      });
    }
  }

  release(uid: number): void {
    this.held.delete(uid);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
