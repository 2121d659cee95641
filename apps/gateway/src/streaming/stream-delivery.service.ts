import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { GetSessionQuery, SessionStreamHub, type StreamEvent } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram } from 'prom-client';

export type StreamTransport = 'sse' | 'socketio';

/** Where a stream's events go: one SSE response or one Socket.IO socket joined to one session. */
export interface StreamTarget {
  write(event: StreamEvent): void;
  /** Ends the stream from the server side (for example after its API key was revoked). */
  end(reason: 'API_KEY_REVOKED'): void;
}

interface OpenStream {
  target: StreamTarget;
  close: () => void;
}

export const STREAM_METRICS = {
  open: 'gateway_open_streams',
  resumes: 'gateway_stream_resumes_total',
  delivered: 'gateway_stream_events_delivered_total',
  latency: 'gateway_stream_delivery_latency_seconds',
} as const;

/**
 * The one way a transport streams a session: tenant check, replay → live hand-over (SessionStreamHub),
 * metrics, and the registry of open streams by API key (so a revoked key's streams end).
 */
@Injectable()
export class StreamDeliveryService {
  private readonly byKey = new Map<string, Set<OpenStream>>();

  constructor(
    private readonly queryBus: QueryBus,
    private readonly hub: SessionStreamHub,
    @InjectMetric(STREAM_METRICS.open) private readonly openStreams: Gauge,
    @InjectMetric(STREAM_METRICS.resumes) private readonly resumes: Counter,
    @InjectMetric(STREAM_METRICS.delivered) private readonly delivered: Counter,
    @InjectMetric(STREAM_METRICS.latency) private readonly latency: Histogram,
  ) {}

  /** Throws SESSION_NOT_FOUND unless the session belongs to the caller's tenant (no hint either way). */
  async authorize(principal: Principal, sessionId: string): Promise<void> {
    await this.queryBus.execute(new GetSessionQuery(principal.tenantId, sessionId));
  }

  /** Replays every event after `afterSeq`, then streams live ones; returns an idempotent close. */
  async open(
    transport: StreamTransport,
    principal: Principal,
    sessionId: string,
    afterSeq: number,
    target: StreamTarget,
  ): Promise<() => void> {
    if (afterSeq > 0) this.resumes.inc({ transport });
    const delivered = this.delivered.labels(transport);
    const latency = this.latency.labels(transport);
    const unsubscribe = await this.hub.subscribe(sessionId, afterSeq, (event, live) => {
      target.write(event);
      delivered.inc();
      if (live && event.occurredAt !== undefined) {
        latency.observe(Math.max(0, Date.now() - Date.parse(event.occurredAt)) / 1000);
      }
    });
    const streams = this.byKey.get(principal.keyId) ?? new Set<OpenStream>();
    this.byKey.set(principal.keyId, streams);
    let closed = false;
    const stream: OpenStream = {
      target,
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

  /** Ends this instance's streams opened with the key; returns how many. */
  endStreamsOfKey(keyId: string): number {
    const streams = [...(this.byKey.get(keyId) ?? [])];
    for (const stream of streams) {
      stream.close();
      stream.target.end('API_KEY_REVOKED');
    }
    return streams.length;
  }
}
