import { Injectable } from '@nestjs/common';
import { AppIdentity } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { type WebhookEvent } from '../webhook-events.contract.js';

/** Dead letters of webhooks are no Kafka messages: this names their source (the deliveries table). */
export const WEBHOOK_DEAD_LETTER_SOURCE = 'webhook.deliveries';

/** How many rows an UPDATE changed (TypeORM answers an UPDATE with `[rows, count]`). */
async function updated(manager: EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const [, count] = await manager.query<[unknown[], number]>(sql, parameters);
  return count;
}

/** A delivery a worker claimed: everything one attempt needs, the sealed secret included. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  tenantId: string;
  eventId: string;
  eventType: string;
  body: string;
  /** Attempts made, this one included. */
  attempts: number;
  url: string;
  secretSealed: Buffer;
}

/**
 * Records an event for every live endpoint of its tenant that subscribes to its type, in the caller's
 * transaction (the webhooks' outbox). Idempotent per (endpoint, event id). An endpoint gets the events that
 * occurred after it was registered only (a consumer catching up on old events sends none of them). Returns how
 * many rows it added.
 */
export async function stageWebhookEvent(manager: EntityManager, event: WebhookEvent): Promise<number> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, event_id, event_type, body, status, next_attempt_at)
     SELECT gen_random_uuid(), e.id, e.tenant_id, $2, $3, $4, 'pending', now()
     FROM webhook_endpoints e
     WHERE e.tenant_id = $1 AND e.deleted_at IS NULL AND $3 = ANY (e.event_types) AND e.created_at <= $5
     ON CONFLICT (endpoint_id, event_id) DO NOTHING
     RETURNING id`,
    [event.tenantId, event.id, event.type, JSON.stringify(event), event.occurredAt],
  );
  return rows.length;
}

/**
 * A dead-lettered delivery starts a fresh round of attempts, now (the replay of its dead letter), in the
 * caller's transaction. False when it is not dead-lettered or its endpoint was deleted.
 */
export async function redeliverWebhook(manager: EntityManager, deliveryId: string): Promise<boolean> {
  const count = await updated(
    manager,
    `UPDATE webhook_deliveries d
     SET status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
     FROM webhook_endpoints e
     WHERE d.id = $1 AND d.status = 'dead_lettered' AND e.id = d.endpoint_id AND e.deleted_at IS NULL`,
    [deliveryId],
  );
  return count === 1;
}

interface ClaimedRow {
  id: string;
  endpoint_id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  body: string;
  attempts: number;
  url: string;
  secret_sealed: Buffer;
}

/** The deliveries table as the delivery worker uses it. Every update after an attempt is fenced by its count. */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: AppIdentity,
  ) {}

  /**
   * Claims due deliveries (SKIP LOCKED: instances never claim the same row) by counting the attempt and moving
   * `next_attempt_at` past the lease: a worker that dies mid-attempt leaves the row due again after it.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows: ClaimedRow[] = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d
         SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
         FROM due WHERE d.id = due.id
         RETURNING d.*
       )
       SELECT c.id, c.endpoint_id, c.tenant_id, c.event_id, c.event_type, c.body, c.attempts, e.url,
              e.secret_sealed
       FROM claimed c JOIN webhook_endpoints e ON e.id = c.endpoint_id`,
      [limit, leaseMs / 1000],
    );
    return rows.map((row) => ({
      id: row.id,
      endpointId: row.endpoint_id,
      tenantId: row.tenant_id,
      eventId: row.event_id,
      eventType: row.event_type,
      body: row.body,
      attempts: row.attempts,
      url: row.url,
      secretSealed: row.secret_sealed,
    }));
  }

  async markDelivered(delivery: ClaimedDelivery, statusCode: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries
       SET status = 'delivered', next_attempt_at = NULL, last_status_code = $3, last_error = NULL,
           delivered_at = now(), updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [delivery.id, delivery.attempts, statusCode],
    );
  }

  async scheduleRetry(
    delivery: ClaimedDelivery,
    statusCode: number | null,
    error: string,
    delayMs: number,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries
       SET next_attempt_at = now() + make_interval(secs => $5), last_status_code = $3, last_error = $4,
           updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [delivery.id, delivery.attempts, statusCode, error, delayMs / 1000],
    );
  }

  /** The delivery gives up and becomes a dead letter an operator can replay: one transaction. */
  async deadLetter(delivery: ClaimedDelivery, statusCode: number | null, error: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const count = await updated(
        manager,
        `UPDATE webhook_deliveries
         SET status = 'dead_lettered', next_attempt_at = NULL, last_status_code = $3, last_error = $4,
             updated_at = now()
         WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [delivery.id, delivery.attempts, statusCode, error],
      );
      if (count === 0) return false;
      const sessionId = (JSON.parse(delivery.body) as { sessionId?: string | null }).sessionId ?? null;
      await manager.query(
        `INSERT INTO dead_letters (id, dlq_topic, source_topic, source, reason, detail, app, message_key, value,
           headers, event_id, tenant_id, session_id, status, webhook_delivery_id)
         VALUES ($1, $2, $2, $3, 'WEBHOOK_RETRIES_EXHAUSTED', $4, $5, $6, $7, $8, $9, $10, $11, 'stored', $12)`,
        [
          randomUUID(),
          WEBHOOK_DEAD_LETTER_SOURCE,
          `webhook_deliveries/${delivery.id}`,
          `${delivery.url}: no 2xx after ${delivery.attempts} attempts; last: ${error}`.slice(0, 2000),
          this.identity.name,
          delivery.endpointId,
          Buffer.from(delivery.body),
          JSON.stringify({
            'soma-event-id': delivery.eventId,
            'soma-event-type': delivery.eventType,
            'soma-webhook-endpoint': delivery.endpointId,
          }),
          delivery.eventId,
          delivery.tenantId,
          sessionId,
          delivery.id,
        ],
      );
      return true;
    });
  }
}
