import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../../migrations/index.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';
import { DocumentEntity } from './entities/document.entity.js';
import { MemoryNoteEntity } from './entities/memory-note.entity.js';
import { ToolCallEntity } from './entities/tool-call.entity.js';
import { MessageEntity } from './entities/message.entity.js';
import { OutboxEntity } from './entities/outbox.entity.js';
import { SessionEntity } from './entities/session.entity.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { TurnEntity } from './entities/turn.entity.js';
import { ModelProfileEntity } from './entities/model-profile.entity.js';
import { TenantBudgetEntity } from './entities/tenant-budget.entity.js';
import { UsageLedgerEntity } from './entities/usage-ledger.entity.js';
import { RequeueItemEntity } from './entities/requeue-item.entity.js';
import { OverrideGrantEntity } from './entities/override-grant.entity.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';
import { DeadLetterEntity } from './entities/dead-letter.entity.js';
import { PolicyDecisionEntity } from './entities/policy-decision.entity.js';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './entities/webhook-endpoint.entity.js';
import { ToolApprovalEntity } from './entities/tool-approval.entity.js';
import { TenantPolicySettingsEntity } from './entities/tenant-policy-settings.entity.js';
import { McpServerEntity } from './entities/mcp-server.entity.js';

export const entities = [
  TenantEntity,
  ApiKeyEntity,
  SessionEntity,
  MessageEntity,
  TurnEntity,
  OutboxEntity,
  ModelProfileEntity,
  TenantBudgetEntity,
  UsageLedgerEntity,
  ToolCallEntity,
  DocumentEntity,
  MemoryNoteEntity,
  RequeueItemEntity,
  OverrideGrantEntity,
  AuditEventEntity,
  DeadLetterEntity,
  PolicyDecisionEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  ToolApprovalEntity,
  TenantPolicySettingsEntity,
  McpServerEntity,
];

/** The system of record. Schema changes only through migrations/, never synchronize. */
export function createDataSource(url: string, overrides: Partial<DataSourceOptions> = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10, idleTimeoutMillis: 30_000 },
    ...overrides,
  } as DataSourceOptions);
}
