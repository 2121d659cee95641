import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { Topics } from '#soma/contracts';
import { ConversationApiModule } from '#soma/conversation';
import { IdentityModule } from '#soma/identity';
import { PersistenceModule } from '#soma/persistence';
import { kafkaConsumers, ObservabilityModule } from '#soma/platform';
import { TenantPolicyApiModule } from '#soma/policy';
import { ModelProfilesController } from './admin/model-profiles.controller.js';
import { TenantsController } from './admin/tenants.controller.js';
import { McpServersController } from './admin/mcp-servers.controller.js';
import { UsageController } from './admin/usage.controller.js';
import { RequeueApiModule } from '#soma/requeue';
import { ToolsApiModule } from '#soma/tools';
import { WebhooksApiModule } from '#soma/webhooks';
import { DocumentsController } from './documents/documents.controller.js';
import { ApiKeysController } from './admin/api-keys.controller.js';
import { AsyncApiController } from './docs/asyncapi.controller.js';
import { RateLimitGuard } from './http/rate-limit.guard.js';
import { StorableTextInterceptor } from './http/storable-text.interceptor.js';
import { OutboundEventsConsumer } from './outbound/outbound-events.consumer.js';
import { ReplayLogWriterConsumer } from './outbound/replay-log-writer.consumer.js';
import { SessionApprovalsController } from './sessions/session-approvals.controller.js';
import { SessionDirectoryController } from './sessions/session-directory.controller.js';
import { SessionEventsController } from './sessions/session-events.controller.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { StreamingModule } from './streaming/streaming.module.js';
import { DocsSessions } from './docs/docs-sessions.service.js';
import { DeadLettersController } from './requeue/dead-letters.controller.js';
import { RequeueController } from './requeue/requeue.controller.js';
import { ToolCallsController } from './tools/tool-calls.controller.js';
import { MeController } from './auth/me.controller.js';
import { PolicyStatusController } from './policy/policy-status.controller.js';
import { AuditEventsController } from './requeue/audit-events.controller.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { ObservabilityController } from './observability/observability.controller.js';
import { PageCursors } from './http/pagination/index.js';
import { UiChatController } from './ui-chat/ui-chat.controller.js';
import { OpenAiController } from './openai/openai.controller.js';
import { ChatCompletionsService } from './openai/chat-completions.service.js';

@Module({
  imports: [
    CqrsModule.forRoot(),
    PersistenceModule,
    IdentityModule,
    ConversationApiModule,
    ToolsApiModule,
    StreamingModule,
    RequeueApiModule,
    WebhooksApiModule,
    TenantPolicyApiModule,
    ObservabilityModule,
  ],
  controllers: [
    SessionsController,
    SessionDirectoryController,
    SessionEventsController,
    SessionApprovalsController,
    ModelProfilesController,
    TenantsController,
    McpServersController,
    UsageController,
    ToolCallsController,
    DocumentsController,
    ApiKeysController,
    AsyncApiController,
    RequeueController,
    DeadLettersController,
    MeController,
    PolicyStatusController,
    AuditEventsController,
    WebhooksController,
    ObservabilityController,
    UiChatController,
    OpenAiController,
  ],
  providers: [
    PageCursors,
    ChatCompletionsService,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    DocsSessions,
    { provide: APP_INTERCEPTOR, useClass: StorableTextInterceptor },
    ...kafkaConsumers({
      // One shared, durable group keeps the replay log complete even while no instance serves the session.
      name: 'replay-log',
      groupId: () => 'soma-gateway-replay-log',
      topics: [Topics.conversationOutbound],
      handlers: [ReplayLogWriterConsumer],
      concurrency: () => 3,
      mode: 'durable',
    }),
    ...kafkaConsumers({
      name: 'live',
      // Each instance has its own group: every instance must see every event of the sessions it serves.
      groupId: (identity) => `soma-gateway-live-${identity.instanceId}`,
      topics: [Topics.conversationOutbound],
      handlers: [OutboundEventsConsumer],
      concurrency: () => 6,
      mode: 'live',
    }),
  ],
})
export class GatewayModule {}
