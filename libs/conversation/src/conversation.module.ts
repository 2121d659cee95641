import { Module } from '@nestjs/common';
import { LlmModule } from '#soma/llm';
import { PreprocessingModule } from '#soma/preprocessing';
import { PolicyModule } from '#soma/policy';
import { ToolsApiModule } from '#soma/tools';
import { AwaitToolApprovalHandler } from './commands/await-tool-approval/await-tool-approval.handler.js';
import { ContinueTurnHandler } from './commands/continue-turn/continue-turn.handler.js';
import { EndTurnHandler } from './commands/end-turn/end-turn.handler.js';
import { CancelTurnHandler } from './commands/cancel-turn/cancel-turn.handler.js';
import { CancelOpenTurnsHandler } from './commands/cancel-open-turns/cancel-open-turns.handler.js';
import { StopTurnHandler } from './commands/stop-turn/stop-turn.handler.js';
import { TurnCancelRequests } from './turns/turn-cancel-requests.js';
import { RecoverTurnsHandler } from './commands/recover-turns/recover-turns.handler.js';
import { TurnDriver } from './commands/run-turn/turn-driver.js';
import { TurnFinisher } from './commands/run-turn/turn-finisher.js';
import { TurnStep } from './commands/run-turn/turn-step.js';
import { TurnToolRequest } from './commands/run-turn/turn-tool-request.js';
import { SessionEventJournal } from './streaming/session-event.journal.js';
import { ActiveTurns } from './turns/active-turns.js';
import { ToolDecider } from './tools/tool-decider.js';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { TokenBudgetRepository } from './budget/token-budget.repository.js';
import { CreateSessionHandler } from './commands/create-session/create-session.handler.js';
import { DeleteModelProfileHandler } from './commands/delete-model-profile/delete-model-profile.handler.js';
import { PostUserMessageHandler } from './commands/post-user-message/post-user-message.handler.js';
import { RunTurnHandler } from './commands/run-turn/run-turn.handler.js';
import { SaveModelProfileHandler } from './commands/save-model-profile/save-model-profile.handler.js';
import { SetTenantBudgetHandler } from './commands/set-tenant-budget/set-tenant-budget.handler.js';
import { TurnMetricsHandler } from './events/turn-metrics.handler.js';
import { HistoryRepository } from './history/history.repository.js';
import { TurnContextBuilder } from './history/turn-context.builder.js';
import { ModelProfileRepository } from './profiles/model-profile.repository.js';
import { GetSessionHandler } from './queries/get-session/get-session.handler.js';
import { GetOpenTurnHandler } from './queries/get-open-turn/get-open-turn.handler.js';
import { GetUsageHandler } from './queries/get-usage/get-usage.handler.js';
import {
  GetModelProfileHandler,
  ListModelProfilesHandler,
} from './queries/list-model-profiles/list-model-profiles.handler.js';
import { ListMessagesHandler } from './queries/list-messages/list-messages.handler.js';
import { ListTurnsHandler } from './queries/list-turns/list-turns.handler.js';
import { ListSessionsHandler } from './queries/list-sessions/list-sessions.handler.js';
import { ReplayLogRepository } from './streaming/replay-log.repository.js';
import { SessionStreamHub } from './streaming/session-stream.hub.js';
import { TurnRepository } from './turns/turn.repository.js';

const repositories = [TokenBudgetRepository, ModelProfileRepository, ReplayLogRepository];

/** What the gateway needs: sessions, messages, turns, profiles, usage, budgets, and the stream hub. */
@Module({
  imports: [ToolsApiModule],
  providers: [
    ...repositories,
    SessionStreamHub,
    // commands
    TurnCancelRequests,
    CreateSessionHandler,
    PostUserMessageHandler,
    CancelTurnHandler,
    CancelOpenTurnsHandler,
    SaveModelProfileHandler,
    DeleteModelProfileHandler,
    SetTenantBudgetHandler,
    // queries
    GetSessionHandler,
    GetOpenTurnHandler,
    ListMessagesHandler,
    ListTurnsHandler,
    ListModelProfilesHandler,
    GetModelProfileHandler,
    GetUsageHandler,
    makeCounterProvider({
      name: 'budget_rejections_total',
      help: 'Requests and turns refused for budget',
      labelNames: ['stage'],
    }),
    ListSessionsHandler,
  ],
  exports: [SessionStreamHub, ReplayLogRepository],
})
export class ConversationApiModule {}

const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32];

/** What the conversation worker needs: running turns against the model, the watchdog, and their metrics. */
@Module({
  imports: [LlmModule, PreprocessingModule, PolicyModule, ToolsApiModule],
  providers: [
    ...repositories,
    TurnRepository,
    HistoryRepository,
    TurnContextBuilder,
    SessionEventJournal,
    ActiveTurns,
    // the turn pipeline (commands/run-turn): driver → step → tool request | finisher
    TurnDriver,
    TurnStep,
    TurnToolRequest,
    TurnFinisher,
    ToolDecider,
    // commands and events
    RunTurnHandler,
    ContinueTurnHandler,
    AwaitToolApprovalHandler,
    RecoverTurnsHandler,
    EndTurnHandler,
    StopTurnHandler,
    TurnMetricsHandler,
    makeCounterProvider({
      name: 'conversation_requests_total',
      help: 'Turns handled, by result',
      labelNames: ['result'],
    }),
    makeHistogramProvider({
      name: 'conversation_latency_seconds',
      help: 'Turn duration from claim to terminal event',
      labelNames: ['profile'],
      buckets: latencyBuckets,
    }),
    makeHistogramProvider({
      name: 'conversation_time_to_first_token_seconds',
      help: 'Time from generation start to the first token',
      labelNames: ['profile'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4],
    }),
    makeCounterProvider({
      name: 'llm_tokens_generated_total',
      help: 'Completion tokens generated, by model profile',
      labelNames: ['profile'],
    }),
    makeCounterProvider({
      name: 'budget_rejections_total',
      help: 'Requests and turns refused for budget',
      labelNames: ['stage'],
    }),
  ],
})
export class ConversationWorkerModule {}
