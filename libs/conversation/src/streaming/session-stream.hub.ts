import { Injectable } from '@nestjs/common';
import { type Envelope, type OutboundEventType } from '#soma/contracts';
import { ReplayLogRepository } from './replay-log.repository.js';
import { type StreamEvent } from './stream-event.contract.js';

type Listener = (event: StreamEvent) => void;
/** `live` is false for events read back from the replay log. */
export type StreamSink = (event: StreamEvent, live: boolean) => void;

export function toStreamEvent(envelope: Envelope): StreamEvent {
  const data = envelope.payload as Record<string, unknown> & { seq: number };
  return {
    sessionId: envelope.sessionId,
    seq: data.seq,
    type: envelope.type as OutboundEventType,
    data,
    occurredAt: envelope.occurredAt,
  };
}

/**
 * Fans outbound events out to the clients of this gateway instance, and hands a (re)connecting client over
 * from the replay log to the live stream without gaps or duplicates.
 */
@Injectable()
export class SessionStreamHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly replayLog: ReplayLogRepository) {}

  /** Appends to the replay log first, then delivers live: a client that subscribes later finds it in the log. */
  async dispatch(event: StreamEvent): Promise<void> {
    await this.replayLog.append(event);
    for (const listener of this.listeners.get(event.sessionId) ?? []) listener(event);
  }

  /** Delivers every event after `afterSeq` exactly once, in seq order, then live ones. Returns unsubscribe. */
  async subscribe(sessionId: string, afterSeq: number, sink: StreamSink): Promise<() => void> {
    let last = afterSeq;
    let buffered: StreamEvent[] | undefined = [];
    const deliver = (event: StreamEvent, live: boolean): void => {
      if (event.seq <= last) return;
      last = event.seq;
      sink(event, live);
    };
    const listener: Listener = (event) => {
      if (buffered) buffered.push(event);
      else deliver(event, true);
    };
    const set = this.listeners.get(sessionId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(sessionId, set);
    const unsubscribe = (): void => {
      set.delete(listener);
      // Idempotent: never drop a newer set that replaced this one.
      if (set.size === 0 && this.listeners.get(sessionId) === set) this.listeners.delete(sessionId);
    };
    try {
      for (const event of await this.replayLog.readAfter(sessionId, afterSeq)) deliver(event, false);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    const pending = buffered.sort((a, b) => a.seq - b.seq);
    buffered = undefined;
    for (const event of pending) deliver(event, true);
    return unsubscribe;
  }

  /** Live events only, from now on (for transports that do their own replay hand-over). Returns unsubscribe. */
  listen(sessionId: string, listener: (event: StreamEvent) => void): () => void {
    const set = this.listeners.get(sessionId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(sessionId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(sessionId) === set) this.listeners.delete(sessionId);
    };
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}
