import { terminalEventTypes } from '#soma/contracts';
import { type StreamEvent } from '#soma/conversation';
import { type OutboundEvent } from '../ui-chat/ui-message-chunk.mapper.js';
import { outboundEventOf } from './chat-completion-chunk.mapper.js';

/**
 * One turn's events read off its session's stream. The stream is subscribed before the message is posted (so no
 * event of the turn can pass unseen), when the turn id is not known yet: events are held until `bind` names the
 * turn, then only that turn's are handed out, in seq order, up to and including its terminal event.
 */
export class TurnFeed implements AsyncIterable<OutboundEvent> {
  private turnId: string | null = null;
  private held: OutboundEvent[] = [];
  private readonly queue: OutboundEvent[] = [];
  private wake: (() => void) | null = null;
  private done = false;
  private unsubscribe: (() => void) | null = null;

  /** The sink given to SessionStreamHub.subscribe. */
  readonly sink = (event: StreamEvent): void => {
    const outbound = outboundEventOf(event);
    if (outbound === null || this.done) return;
    if (this.turnId === null) this.held.push(outbound);
    else this.offer(outbound);
  };

  attach(unsubscribe: () => void): void {
    if (this.done) unsubscribe();
    else this.unsubscribe = unsubscribe;
  }

  bind(turnId: string): void {
    this.turnId = turnId;
    const held = this.held;
    this.held = [];
    for (const event of held) this.offer(event);
  }

  /** Stops reading (the turn ended, or the client went away); the iteration ends. Idempotent. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutboundEvent> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }

  private offer(event: OutboundEvent): void {
    if (this.done || event.payload.turnId !== this.turnId) return;
    this.queue.push(event);
    if (terminalEventTypes.includes(event.type)) {
      // The terminal event is the last one handed out: nothing of the turn follows it.
      this.done = true;
      this.unsubscribe?.();
      this.unsubscribe = null;
    }
    this.wake?.();
  }
}
