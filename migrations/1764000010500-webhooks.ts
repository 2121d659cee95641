import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Webhooks: tenants' endpoints (secret sealed), and one delivery row per (endpoint, event) that is both the
 * outbox (written in the transaction that records the event) and the delivery history. A delivery that runs
 * out of attempts becomes a dead letter that never was on Kafka, so a dead letter's Kafka position is optional.
 */
export class Webhooks1764000010500 implements MigrationInterface {
  name = 'Webhooks1764000010500';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        url text NOT NULL,
        event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
        description text,
        secret_sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX ix_webhook_endpoints_tenant ON webhook_endpoints (tenant_id) WHERE deleted_at IS NULL;

      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
        tenant_id uuid NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead_lettered', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX uq_webhook_deliveries_endpoint_event ON webhook_deliveries (endpoint_id, event_id);
      CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);

      ALTER TABLE dead_letters
        ALTER COLUMN dlq_partition DROP NOT NULL,
        ALTER COLUMN dlq_offset DROP NOT NULL,
        ADD COLUMN webhook_delivery_id uuid REFERENCES webhook_deliveries (id);
      CREATE INDEX ix_dead_letters_webhook_delivery ON dead_letters (webhook_delivery_id)
        WHERE webhook_delivery_id IS NOT NULL;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DELETE FROM dead_letters WHERE webhook_delivery_id IS NOT NULL;
      ALTER TABLE dead_letters
        DROP COLUMN webhook_delivery_id,
        ALTER COLUMN dlq_offset SET NOT NULL,
        ALTER COLUMN dlq_partition SET NOT NULL;
      DROP TABLE webhook_deliveries;
      DROP TABLE webhook_endpoints;
    `);
  }
}
