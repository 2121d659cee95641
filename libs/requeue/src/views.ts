import { type AuditEventEntity, type DeadLetterEntity, type RequeueItemEntity } from '#soma/persistence';
import { overridableBy, storedDecision, type OverridableBy } from './overrides/override-permission.js';

export interface RequeueItemView {
  id: string;
  toolCallId: string;
  tenantId: string;
  sessionId: string;
  tool: string;
  status: RequeueItemEntity['status'];
  request: Record<string, unknown>;
  decision: Record<string, unknown>;
  reasons: string[];
  /** Who may override it: any admin of the tenant, only the operator (an overridable deny), or nobody. */
  overridableBy: OverridableBy;
  attempt: number;
  nextAttemptAt: string | null;
  resolvedBy: string | null;
  resolutionReason: string | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AuditEventView {
  id: string;
  /** null: the platform's chain (model profiles). */
  tenantId: string | null;
  /** Its place in its tenant's chain, the previous event's hash and its own (docs/audit.md). */
  seq: number;
  prevHash: string;
  hash: string;
  action: string;
  subjectType: string;
  subjectId: string;
  actorKeyId: string | null;
  actorRole: string;
  reason: string;
  detail: Record<string, unknown>;
  occurredAt: string;
}

export interface DeadLetterView {
  id: string;
  sourceTopic: string;
  dlqTopic: string;
  source: string | null;
  reason: string;
  detail: string;
  app: string | null;
  key: string | null;
  /** The message as it was, as UTF-8 text (it may not be valid JSON: that can be why it is here). */
  value: string | null;
  headers: Record<string, string>;
  eventId: string | null;
  tenantId: string | null;
  sessionId: string | null;
  status: DeadLetterEntity['status'];
  replayedAt: string | null;
  createdAt: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const toItemView = (item: RequeueItemEntity): RequeueItemView => ({
  id: item.id,
  toolCallId: item.toolCallId,
  tenantId: item.tenantId,
  sessionId: item.sessionId,
  tool: item.tool,
  status: item.status,
  request: item.request,
  decision: item.decision,
  reasons: item.reasons,
  overridableBy: overridableBy(storedDecision(item.decision)),
  attempt: item.attempt,
  nextAttemptAt: iso(item.nextAttemptAt),
  resolvedBy: item.resolvedBy,
  resolutionReason: item.resolutionReason,
  resolvedAt: iso(item.resolvedAt),
  createdAt: item.createdAt.toISOString(),
  updatedAt: item.updatedAt.toISOString(),
});

export const toAuditView = (event: AuditEventEntity): AuditEventView => ({
  id: event.id,
  tenantId: event.tenantId,
  seq: event.seq,
  prevHash: event.prevHash,
  hash: event.hash,
  action: event.action,
  subjectType: event.subjectType,
  subjectId: event.subjectId,
  actorKeyId: event.actorKeyId,
  actorRole: event.actorRole,
  reason: event.reason,
  detail: event.detail,
  occurredAt: event.occurredAt.toISOString(),
});

export const toDeadLetterView = (letter: DeadLetterEntity): DeadLetterView => ({
  id: letter.id,
  sourceTopic: letter.sourceTopic,
  dlqTopic: letter.dlqTopic,
  source: letter.source,
  reason: letter.reason,
  detail: letter.detail,
  app: letter.app,
  key: letter.messageKey,
  value: letter.value ? letter.value.toString('utf8') : null,
  headers: letter.headers,
  eventId: letter.eventId,
  tenantId: letter.tenantId,
  sessionId: letter.sessionId,
  status: letter.status,
  replayedAt: iso(letter.replayedAt),
  createdAt: letter.createdAt.toISOString(),
});
