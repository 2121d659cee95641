import { Module } from '@nestjs/common';
import { LlmModule } from '#soma/llm';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { CreateSessionHandler } from './commands/create-session/create-session.handler.js';
import { PostUserMessageHandler } from './commands/post-user-message/post-user-message.handler.js';
import { RunTurnHandler } from './commands/run-turn/run-turn.handler.js';
import { GetSessionHandler } from './queries/get-session/get-session.handler.js';
import { ListMessagesHandler } from './queries/list-messages/list-messages.handler.js';
import { ListSessionsHandler } from './queries/list-sessions/list-sessions.handler.js';
import { OutboundEventsPublisher } from './streaming/outbound-events.publisher.js';
import { ReplayLogRepository } from './streaming/replay-log.repository.js';
import { SessionStreamHub } from './streaming/session-stream.hub.js';

/** What the gateway needs: sessions, messages, history, and the stream hub. */
@Module({
  providers: [
    CreateSessionHandler,
    PostUserMessageHandler,
    GetSessionHandler,
    ListMessagesHandler,
    ListSessionsHandler,
    ReplayLogRepository,
    SessionStreamHub,
  ],
  exports: [SessionStreamHub, ReplayLogRepository],
})
export class ConversationApiModule {}

const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32];

/** What the conversation worker needs: running turns against the model, and their metrics. */
@Module({
  imports: [LlmModule],
  providers: [
    RunTurnHandler,
    OutboundEventsPublisher,
    makeCounterProvider({
      name: 'conversation_requests_total',
      help: 'Turns handled, by result',
      labelNames: ['result'],
    }),
    makeHistogramProvider({
      name: 'conversation_latency_seconds',
      help: 'Turn duration from claim to terminal event',
      buckets: latencyBuckets,
    }),
    makeHistogramProvider({
      name: 'conversation_time_to_first_token_seconds',
      help: 'Time from turn claim to the first generated token',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4],
    }),
    makeCounterProvider({ name: 'llm_tokens_generated_total', help: 'Completion tokens generated' }),
  ],
})
export class ConversationWorkerModule {}
