/**
 * Coalesces token deltas while the previous write is in flight (fewer events, same text) and writes them
 * strictly in order, one write at a time. `close()` returns exactly the concatenation of the written deltas;
 * after a failed write nothing more is written and `close()` rethrows it. `abandon()` stops writing.
 */
export class TokenStream {
  private pending = '';
  private written = '';
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly write: (delta: string) => Promise<void>,
    private readonly coalesceMs: number,
  ) {}

  push(delta: string): void {
    if (delta === '' || this.failure !== undefined) return;
    this.pending += delta;
    if (this.coalesceMs === 0) this.kick();
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.coalesceMs);
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Writes what is pending and waits for every write; rethrows the first failure. */
  async close(): Promise<string> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      if (this.inFlight) await this.inFlight;
      else if (this.pending !== '' && this.failure === undefined) this.kick();
      else break;
    }
    if (this.failure !== undefined) throw this.failure;
    return this.written;
  }

  /** Drops what is pending, waits for the write in flight, and returns what was written (never throws). */
  async abandon(): Promise<string> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = '';
    this.failure ??= new Error('abandoned');
    if (this.inFlight) await this.inFlight;
    return this.written;
  }

  private kick(): void {
    if (this.inFlight || this.pending === '' || this.failure !== undefined) return;
    const delta = this.pending;
    this.pending = '';
    this.inFlight = this.write(delta).then(
      () => {
        this.written += delta;
        this.inFlight = undefined;
        this.kick();
      },
      (error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.inFlight = undefined;
      },
    );
  }
}
