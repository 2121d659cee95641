import { Module } from '@nestjs/common';
import { ConversationApiModule } from '#soma/conversation';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { RateLimiter } from '../http/rate-limiter.service.js';
import { ApiKeyRevokedHandler } from './api-key-revoked.handler.js';
import { SessionsGateway } from './sessions.gateway.js';
import { STREAM_METRICS, StreamDeliveryService } from './stream-delivery.service.js';

const labelNames = ['transport'];

/** Client streams (SSE and Socket.IO): delivery, resume, revocation, rate limits (HTTP's too), metrics. */
@Module({
  imports: [ConversationApiModule],
  providers: [
    StreamDeliveryService,
    RateLimiter,
    SessionsGateway,
    ApiKeyRevokedHandler,
    makeGaugeProvider({ name: STREAM_METRICS.open, help: 'Open client streams', labelNames }),
    makeCounterProvider({
      name: STREAM_METRICS.resumes,
      help: 'Streams opened with Last-Event-ID / afterSeq (resumes)',
      labelNames,
    }),
    makeCounterProvider({
      name: STREAM_METRICS.delivered,
      help: 'Events written to client streams (replayed and live)',
      labelNames,
    }),
    makeHistogramProvider({
      name: STREAM_METRICS.latency,
      help: 'Live delivery latency: outbound envelope occurredAt to the write on the client stream',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    makeCounterProvider({
      name: STREAM_METRICS.slowReaders,
      help: 'Clients cut off with STREAM_SLOW_READER (more than SOMA_STREAM_MAX_BUFFER_BYTES left unread)',
      labelNames,
    }),
    makeHistogramProvider({
      name: STREAM_METRICS.replayPages,
      help: 'Events per replay page read (at most SOMA_STREAM_REPLAY_PAGE_SIZE); the count is the pages read',
      labelNames,
      buckets: [0, 1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    }),
  ],
  exports: [StreamDeliveryService, RateLimiter],
})
export class StreamingModule {}
