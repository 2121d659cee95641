/**
 * The offsets of one partition handed to handlers that finish out of order: the committable offset is the one
 * after the longest finished prefix, so a commit never passes a message still being handled (a crash
 * redelivers it, and everything after it, to handlers that are idempotent on eventId).
 */
export class CommitWindow {
  /** Offsets started and not yet committable, ascending (a partition delivers in order). */
  private readonly open: { offset: bigint; finished: boolean }[] = [];

  start(offset: string): void {
    this.open.push({ offset: BigInt(offset), finished: false });
  }

  /** Marks the offset finished; returns the offset to commit when the finished prefix grew, else null. */
  finish(offset: string): string | null {
    const value = BigInt(offset);
    const entry = this.open.find((candidate) => candidate.offset === value && !candidate.finished);
    if (entry) entry.finished = true;
    let next: bigint | null = null;
    while (this.open[0]?.finished) next = (this.open.shift()?.offset ?? 0n) + 1n;
    return next === null ? null : next.toString();
  }

  get size(): number {
    return this.open.length;
  }
}
