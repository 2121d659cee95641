import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  formatSse,
  GetSessionQuery,
  SessionRoomFanout,
  SessionStreamHub,
  type ReplayPacing,
  type StreamEvent,
} from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { SomaConfig } from '#soma/platform';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Counter, Gauge, Histogram } from 'prom-client';
import { type Namespace, type Socket } from 'socket.io';
import { type ClientOutput, type OutputLimits, SocketOutput, SseOutput } from './client-output.js';

export type StreamTransport = 'sse' | 'socketio';

/** Ends a stream from the server side (for example after its API key was revoked). */
export type EndStream = (reason: 'API_KEY_REVOKED') => void;

interface OpenStream {
  end: EndStream;
  close: () => void;
}

export const STREAM_METRICS = {
  open: 'gateway_open_streams',
  resumes: 'gateway_stream_resumes_total',
  delivered: 'gateway_stream_events_delivered_total',
  latency: 'gateway_stream_delivery_latency_seconds',
  slowReaders: 'gateway_stream_slow_reader_cutoffs_total',
  replayPages: 'gateway_stream_replay_page_events',
} as const;

/**
 * The one way a transport streams a session: tenant check, replay → live hand-over without gaps or duplicates,
 * metrics, and the registry of open streams by API key (so a revoked key's streams end).
 * SSE streams go through SessionStreamHub.subscribe; Socket.IO through one room per session (SessionRoomFanout).
 */
@Injectable()
export class StreamDeliveryService {
  private readonly byKey = new Map<string, Set<OpenStream>>();
  private fanout: SessionRoomFanout | undefined;
  private readonly limits: OutputLimits;

  constructor(
    private readonly queryBus: QueryBus,
    private readonly hub: SessionStreamHub,
    config: SomaConfig,
    @InjectMetric(STREAM_METRICS.open) private readonly openStreams: Gauge,
    @InjectMetric(STREAM_METRICS.resumes) private readonly resumes: Counter,
    @InjectMetric(STREAM_METRICS.delivered) private readonly delivered: Counter,
    @InjectMetric(STREAM_METRICS.latency) private readonly latency: Histogram,
    @InjectMetric(STREAM_METRICS.slowReaders) private readonly slowReaders: Counter,
    @InjectMetric(STREAM_METRICS.replayPages) private readonly replayPages: Histogram,
  ) {
    this.limits = {
      maxBufferBytes: config.streamMaxBufferBytes,
      drainTimeoutMs: config.streamDrainTimeoutMs,
    };
  }

  /** The bounded output of an SSE response (every write of the stream goes through it). */
  sseOutput(response: Response): SseOutput {
    return new SseOutput(response, this.limits, () => {
      this.slowReaders.inc({ transport: 'sse' });
    });
  }

  /** The bounded output of a Socket.IO connection, made once per socket at the handshake. */
  socketOutput(socket: Socket): SocketOutput {
    return new SocketOutput(socket, this.limits, () => {
      this.slowReaders.inc({ transport: 'socketio' });
    });
  }

  /** Throws SESSION_NOT_FOUND unless the session belongs to the caller's tenant (no hint either way). */
  async authorize(principal: Principal, sessionId: string): Promise<void> {
    await this.queryBus.execute(new GetSessionQuery(principal.tenantId, sessionId));
  }

  /**
   * Replays every event after `afterSeq` to one SSE client, page by page, then streams live; returns an
   * idempotent close (also run when the client is cut off as a slow reader). `deliver` writes one event (default:
   * the session stream's SSE frame; the UI message stream writes its chunks instead).
   */
  async open(
    principal: Principal,
    sessionId: string,
    afterSeq: number,
    output: SseOutput,
    end: EndStream,
    deliver: (event: StreamEvent) => void = (event) => {
      output.write(formatSse(event));
    },
  ): Promise<() => void> {
    const observe = this.observer('sse');
    const unsubscribe = await this.hub.subscribe(
      sessionId,
      afterSeq,
      (event, live) => {
        deliver(event);
        observe(event, live, 1);
      },
      this.pacing('sse', output),
    );
    const close = this.track('sse', principal, afterSeq, unsubscribe, end);
    output.onCutOff(close);
    return close;
  }

  /** The Socket.IO namespace whose rooms carry the live events. Set once by the gateway. */
  attachNamespace(namespace: Namespace): void {
    this.fanout = new SessionRoomFanout(this.hub, () => namespace, this.observer('socketio'));
  }

  /** Same as `open`, for a socket: replay individually, then live through the session's room. */
  async openSocket(
    principal: Principal,
    sessionId: string,
    afterSeq: number,
    socket: Socket,
    output: SocketOutput,
    end: EndStream,
  ): Promise<() => void> {
    if (!this.fanout) throw new Error('the Socket.IO namespace is not attached yet');
    const leave = await this.fanout.join(sessionId, afterSeq, socket, this.pacing('socketio', output));
    return this.track('socketio', principal, afterSeq, leave, end);
  }

  /** Ends this instance's streams opened with the key; returns how many. */
  endStreamsOfKey(keyId: string): number {
    const streams = [...(this.byKey.get(keyId) ?? [])];
    // One stream failing to end must not leave the key's other streams open; the failures are raised after.
    const failures: unknown[] = [];
    for (const stream of streams) {
      try {
        stream.close();
      } catch (error) {
        failures.push(error);
      }
      try {
        stream.end('API_KEY_REVOKED');
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `ending streams of key ${keyId} failed`);
    return streams.length;
  }

  private pacing(transport: StreamTransport, output: ClientOutput): ReplayPacing {
    const pages = this.replayPages.labels(transport);
    return {
      ready: () => output.ready(),
      pageRead: (events) => {
        pages.observe(events);
      },
    };
  }

  private observer(transport: StreamTransport): (event: StreamEvent, live: boolean, count: number) => void {
    const delivered = this.delivered.labels(transport);
    const latency = this.latency.labels(transport);
    return (event, live, count) => {
      delivered.inc(count);
      if (!live || event.occurredAt === undefined) return;
      const seconds = Math.max(0, Date.now() - Date.parse(event.occurredAt)) / 1000;
      for (let i = 0; i < count; i++) latency.observe(seconds);
    };
  }

  private track(
    transport: StreamTransport,
    principal: Principal,
    afterSeq: number,
    unsubscribe: () => void,
    end: EndStream,
  ): () => void {
    if (afterSeq > 0) this.resumes.inc({ transport });
    const streams = this.byKey.get(principal.keyId) ?? new Set<OpenStream>();
    this.byKey.set(principal.keyId, streams);
    let closed = false;
    const stream: OpenStream = {
      end,
      close: () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        streams.delete(stream);
        if (streams.size === 0 && this.byKey.get(principal.keyId) === streams)
          this.byKey.delete(principal.keyId);
        this.openStreams.dec({ transport });
      },
    };
    streams.add(stream);
    this.openStreams.inc({ transport });
    return stream.close;
  }
}
