import { readSseEvents, type SseEvent } from './sse.parser.js';

/** A real SSE client over HTTP (fetch + the shared text/event-stream parser). */
export class SseStream {
  readonly events: SseEvent[] = [];
  readonly status: Promise<number>;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  private ended = false;
  private failure: Error | undefined;

  constructor(url: string, headers: Record<string, string>) {
    this.status = this.run(url, headers);
    this.status.catch(() => undefined);
  }

  private async run(url: string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: this.controller.signal,
    });
    if (!response.ok || !response.body) {
      this.ended = true;
      this.notify();
      return response.status;
    }
    void this.read(response.body);
    return response.status;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const event of readSseEvents(body)) {
        this.events.push(event);
        this.notify();
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') this.failure = error as Error;
    } finally {
      this.ended = true;
      this.notify();
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves once `predicate` holds for the events received so far; rejects on timeout or end of stream. */
  async waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs: number): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (this.failure) throw this.failure;
      if (this.ended)
        throw new Error(`stream ended before the condition held (${this.events.length} events)`);
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`timed out after ${timeoutMs} ms with ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.controller.abort();
  }
}
