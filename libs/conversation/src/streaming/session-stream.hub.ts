import { Injectable, Logger } from '@nestjs/common';
import { ReplayLogRepository } from './replay-log.repository.js';
import { SeqCursor } from './seq-cursor.js';
import { type StreamEvent } from './stream-event.contract.js';

type Listener = (event: StreamEvent) => void;
/** `live` is false for events read back from the replay log or the journal. */
export type StreamSink = (event: StreamEvent, live: boolean) => void;

const HEADS_CAP = 100_000;

/**
 * How a transport paces a replay: each page is read once the client has taken the one before (`ready`), so a
 * replay holds at most a page per client in memory; `pageRead` is told the size of every page read.
 */
export interface ReplayPacing {
  ready(): Promise<void>;
  pageRead(events: number): void;
}

/**
 * Fans outbound events out to the clients of this gateway instance, and hands a (re)connecting client over
 * from the replay log to the live stream. Every subscriber has a SeqCursor: no event is skipped (a gap is read
 * back before anything later is delivered) and none is sent twice.
 */
@Injectable()
export class SessionStreamHub {
  private readonly logger = new Logger(SessionStreamHub.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The newest seq this instance has seen per session: what a joining client must reach. */
  private readonly heads = new Map<string, number>();

  constructor(private readonly replayLog: ReplayLogRepository) {}

  /** Delivers a live event to this instance's subscribers (the replay log has its own durable writer). */
  dispatch(event: StreamEvent): void {
    if (event.seq > (this.heads.get(event.sessionId) ?? 0)) {
      this.heads.delete(event.sessionId);
      this.heads.set(event.sessionId, event.seq);
      if (this.heads.size > HEADS_CAP) this.heads.delete(this.heads.keys().next().value ?? '');
    }
    for (const listener of this.listeners.get(event.sessionId) ?? []) listener(event);
  }

  headOf(sessionId: string): number {
    return this.heads.get(sessionId) ?? 0;
  }

  /** A cursor of one session whose gaps are read from the replay log (then the journal), page by page. */
  cursor(sessionId: string, afterSeq: number, sink: StreamSink, pacing?: ReplayPacing): SeqCursor {
    const read = async (after: number, before?: number): Promise<StreamEvent[]> => {
      await pacing?.ready();
      const page = await this.replayLog.readAfter(sessionId, after, before);
      pacing?.pageRead(page.length);
      return page;
    };
    return new SeqCursor(
      afterSeq,
      sink,
      read,
      (error) => {
        this.logger.warn({ msg: 'stream gap fill failed', sessionId, error: (error as Error).message });
      },
      this.replayLog.pageSize,
    );
  }

  /** Delivers every event after `afterSeq` exactly once, in seq order, then live ones. Returns unsubscribe. */
  async subscribe(
    sessionId: string,
    afterSeq: number,
    sink: StreamSink,
    pacing?: ReplayPacing,
  ): Promise<() => void> {
    const cursor = this.cursor(sessionId, afterSeq, sink, pacing);
    const unlisten = this.listen(sessionId, (event) => {
      cursor.offer(event, true);
    });
    const unsubscribe = (): void => {
      cursor.close();
      unlisten();
    };
    try {
      await cursor.catchUp(Number.POSITIVE_INFINITY);
      await cursor.catchUp(this.headOf(sessionId));
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** Live events only, from now on (for transports that do their own replay hand-over). Returns unsubscribe. */
  listen(sessionId: string, listener: Listener): () => void {
    const set = this.listeners.get(sessionId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(sessionId, set);
    return () => {
      set.delete(listener);
      // Idempotent: never drop a newer set that replaced this one.
      if (set.size === 0 && this.listeners.get(sessionId) === set) this.listeners.delete(sessionId);
    };
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}
