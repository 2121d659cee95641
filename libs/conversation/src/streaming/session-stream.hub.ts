import { Injectable } from '@nestjs/common';
import { type Envelope, type OutboundEventType } from '#soma/contracts';
import { ReplayLogRepository } from './replay-log.repository.js';
import { type StreamEvent } from './stream-event.contract.js';

type Listener = (event: StreamEvent) => void;

export function toStreamEvent(envelope: Envelope): StreamEvent {
  const data = envelope.payload as Record<string, unknown> & { seq: number };
  return { sessionId: envelope.sessionId, seq: data.seq, type: envelope.type as OutboundEventType, data };
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
  async subscribe(
    sessionId: string,
    afterSeq: number,
    sink: (event: StreamEvent) => void,
  ): Promise<() => void> {
    let last = afterSeq;
    let buffered: StreamEvent[] | undefined = [];
    const deliver = (event: StreamEvent): void => {
      if (event.seq <= last) return;
      last = event.seq;
      sink(event);
    };
    const listener: Listener = (event) => {
      if (buffered) buffered.push(event);
      else deliver(event);
    };
    const set = this.listeners.get(sessionId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(sessionId, set);
    const unsubscribe = (): void => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
    try {
      for (const event of await this.replayLog.readAfter(sessionId, afterSeq)) deliver(event);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    const pending = buffered.sort((a, b) => a.seq - b.seq);
    buffered = undefined;
    for (const event of pending) deliver(event);
    return unsubscribe;
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}
