import { Module } from '@nestjs/common';
import { ToolsApiModule } from '#soma/tools';
import { ToolApprovalRepository } from './approvals/tool-approval.repository.js';
import { AnswerToolApprovalHandler } from './commands/answer-tool-approval/answer-tool-approval.handler.js';
import { ListToolApprovalsHandler } from './queries/list-tool-approvals/list-tool-approvals.handler.js';
import { ForwardRetryHandler } from './commands/forward-retry/forward-retry.handler.js';
import { OverrideRequeueItemHandler } from './commands/override-requeue-item/override-requeue-item.handler.js';
import { RecordBlockedCallHandler } from './commands/record-blocked-call/record-blocked-call.handler.js';
import { RecordDeadLetterHandler } from './commands/record-dead-letter/record-dead-letter.handler.js';
import { RejectRequeueItemHandler } from './commands/reject-requeue-item/reject-requeue-item.handler.js';
import { ReplayDeadLetterHandler } from './commands/replay-dead-letter/replay-dead-letter.handler.js';
import { ResolveRetriedCallHandler } from './commands/resolve-retried-call/resolve-retried-call.handler.js';
import { GetRequeueItemHandler } from './queries/get-requeue-item/get-requeue-item.handler.js';
import { ListDeadLettersHandler } from './queries/list-dead-letters/list-dead-letters.handler.js';
import { ListRequeueItemsHandler } from './queries/list-requeue-items/list-requeue-items.handler.js';
import { ListAuditEventsHandler } from './queries/list-audit-events/list-audit-events.handler.js';
import { GetAuditChainHandler } from './queries/get-audit-chain/get-audit-chain.handler.js';
import {
  deadLettersCounterProvider,
  overridesCounterProvider,
  requeueItemsGaugeProvider,
  retriesCounterProvider,
} from './requeue.metrics.js';
import { RequeueItemRepository } from './requeue-item.repository.js';
import { RetryPublisher } from './retries/retry.publisher.js';

const workerCommandHandlers = [
  RecordBlockedCallHandler,
  ResolveRetriedCallHandler,
  ForwardRetryHandler,
  RecordDeadLetterHandler,
];
const apiCommandHandlers = [
  OverrideRequeueItemHandler,
  RejectRequeueItemHandler,
  ReplayDeadLetterHandler,
  AnswerToolApprovalHandler,
];
const apiQueryHandlers = [
  ListRequeueItemsHandler,
  GetRequeueItemHandler,
  ListDeadLettersHandler,
  ListAuditEventsHandler,
  GetAuditChainHandler,
  ListToolApprovalsHandler,
];

/** What the requeue app needs: store blocked calls and dead letters, schedule retries, report metrics. */
@Module({
  providers: [
    ...workerCommandHandlers,
    RequeueItemRepository,
    RetryPublisher,
    requeueItemsGaugeProvider,
    retriesCounterProvider,
    deadLettersCounterProvider,
  ],
})
export class RequeueWorkerModule {}

/**
 * What the gateway needs: the admin's view and decisions (override, reject, replay) and the session users'
 * answers to approvals in the chat, audited. The tool registry validates edited arguments.
 */
@Module({
  imports: [ToolsApiModule],
  providers: [
    ...apiCommandHandlers,
    ...apiQueryHandlers,
    RequeueItemRepository,
    ToolApprovalRepository,
    overridesCounterProvider,
  ],
})
export class RequeueApiModule {}
