import { type StreamEvent } from './stream-event.contract.js';

/**
 * Reads the next page of events after a seq (and before another) from a durable source (the replay log, then the
 * journal); an empty page means the source has nothing more yet.
 */
export type GapFill = (afterSeq: number, beforeSeq?: number) => Promise<StreamEvent[]>;

/**
 * One subscriber's position in a session's stream: delivers every seq after `afterSeq` exactly once and in
 * order. An event that arrives ahead of a gap is held while the gap is read from `fill`, page by page; nothing is
 * dropped except a seq already delivered. At most `maxHeld` events are held: later ones are read back from the
 * source instead (a slow replay does not pile up live events in memory).
 */
export class SeqCursor {
  private readonly held = new Map<number, StreamEvent>();
  private filling: Promise<void> | undefined;
  private again = false;
  private againHead = 0;
  /** The newest seq offered but not held (the held set was full): read back from the source. */
  private unheld = 0;
  private closed = false;

  constructor(
    private last: number,
    private readonly deliver: (event: StreamEvent, live: boolean) => void,
    private readonly fill: GapFill,
    private readonly onFillError: (error: unknown) => void = () => undefined,
    private readonly maxHeld = Number.POSITIVE_INFINITY,
  ) {}

  get lastSeq(): number {
    return this.last;
  }

  /** Nothing held back and no gap being read: `lastSeq` is exactly what was delivered, with nothing pending. */
  get idle(): boolean {
    return this.filling === undefined && this.held.size === 0;
  }

  /** Offers an event (live or replayed); out-of-order ones wait for the gap to be filled. */
  offer(event: StreamEvent, live: boolean): void {
    if (this.closed || event.seq <= this.last) return;
    if (event.seq === this.last + 1 && !this.filling) {
      this.advance(event, live);
      this.release();
      return;
    }
    if (this.held.size < this.maxHeld) this.held.set(event.seq, event);
    else this.unheld = Math.max(this.unheld, event.seq);
    void this.startFill();
  }

  /**
   * Makes sure everything up to `head` is delivered (the source may hold events no live path will repeat);
   * `Infinity` reads whatever the source has (a client's replay).
   */
  catchUp(head: number): Promise<void> {
    if (head <= this.last) return this.filling ?? Promise.resolve();
    return this.startFill(head);
  }

  /** Resolves once no gap read is running (one that ends may start the next before this resolves). */
  async settled(): Promise<void> {
    while (this.filling) await this.filling;
  }

  close(): void {
    this.closed = true;
    this.held.clear();
  }

  private advance(event: StreamEvent, live: boolean): void {
    this.last = event.seq;
    this.deliver(event, live);
  }

  /** Delivers held events that are now next in line. */
  private release(): void {
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.seq);
      this.advance(next, true);
    }
    for (const seq of this.held.keys()) if (seq <= this.last) this.held.delete(seq);
  }

  private startFill(head?: number): Promise<void> {
    if (this.filling) {
      // Re-read once the running fill ends: it may have started before this event or head was known.
      this.again = true;
      this.againHead = Math.max(this.againHead, head ?? 0);
      return this.filling;
    }
    this.filling = this.runFill(head).finally(() => {
      this.filling = undefined;
      this.release();
      const again = this.again;
      const againHead = this.againHead;
      this.again = false;
      this.againHead = 0;
      if (!this.closed && again && (this.held.size > 0 || againHead > this.last || this.unheld > this.last))
        void this.startFill(againHead);
    });
    return this.filling;
  }

  private async runFill(head?: number): Promise<void> {
    try {
      while (!this.closed) {
        this.release();
        const nextHeld = Math.min(...this.held.keys());
        const target = Math.max(head ?? 0, Number.isFinite(nextHeld) ? nextHeld - 1 : 0, this.unheld);
        if (target <= this.last) break;
        const bounded = Number.isFinite(target);
        const events = await this.fill(this.last, bounded ? target + 1 : undefined);
        if (this.closed) return;
        const before = this.last;
        for (const event of events) if (event.seq === this.last + 1) this.advance(event, false);
        this.release();
        // The source does not have it (yet): a later offer retries. An unbounded read goes on while pages come.
        if (this.last === before) break;
      }
    } catch (error) {
      this.onFillError(error);
    }
  }
}
