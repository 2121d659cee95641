import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  createEnvelope,
  Topics,
  type EnvelopeContext,
  type MessagePayload,
  type OutboundEventPayloads,
  type OutboundEventType,
} from '#soma/contracts';
import { KafkaClient, persist, SomaConfig } from '#soma/platform';
import { DataSource, type EntityManager } from 'typeorm';

/** An outbound event before the journal gives it its seq. */
export type OutboundEvent = {
  [T in OutboundEventType]: { type: T; payload: Omit<OutboundEventPayloads[T], 'seq'> };
}[OutboundEventType];

/** Who may write a running turn's events: the run holding its lease (instance and attempt). */
export interface TurnFence {
  turnId: string;
  owner: string;
  attempt: number;
}

/**
 * The run lost its turn (another run took it over, or the watchdog ended it) or its turn is being cancelled: it
 * must stop streaming at once.
 */
export class TurnFencedError extends Error {
  constructor(turnId: string) {
    super(`turn ${turnId} is no longer held by this run`);
  }
}

// The seq comes from sessions.last_seq, incremented in the writing transaction: the row lock serializes every
// writer of a session, so committed events always form a prefix (no hole, no reuse). FOR SHARE on the turn
// serializes a fenced append with a takeover of the turn, and with a cancel request: once one is recorded, the
// run's tokens are refused, so none can follow the turn's terminal event.
const APPEND_FENCED = `
  WITH fence AS (
    SELECT 1 FROM turns WHERE id = $2 AND status = 'running' AND lease_owner = $3 AND attempt = $4
      AND cancel_requested_at IS NULL
    FOR SHARE
  ), s AS (
    UPDATE sessions SET last_seq = last_seq + $5
    WHERE id = $1 AND EXISTS (SELECT 1 FROM fence)
      AND NOT EXISTS (SELECT 1 FROM session_events WHERE event_id = $7)
    RETURNING last_seq
  )
  INSERT INTO session_events (session_id, seq, event_id, turn_id, type, envelope)
  SELECT $1, s.last_seq - $5 + e.ord, (e.value->>'eventId')::uuid, $2, e.value->>'type',
         jsonb_set(e.value, '{payload,seq}', to_jsonb(s.last_seq - $5 + e.ord))
  FROM s, jsonb_array_elements($6::jsonb) WITH ORDINALITY AS e(value, ord)
  RETURNING seq`;

const APPEND = `
  WITH s AS (UPDATE sessions SET last_seq = last_seq + $3 WHERE id = $1 RETURNING last_seq)
  INSERT INTO session_events (session_id, seq, event_id, turn_id, type, envelope)
  SELECT $1, s.last_seq - $3 + e.ord, (e.value->>'eventId')::uuid, $2, e.value->>'type',
         jsonb_set(e.value, '{payload,seq}', to_jsonb(s.last_seq - $3 + e.ord))
  FROM s, jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(value, ord)
  RETURNING seq`;

// Validated with a placeholder seq; the database writes the real one. TypeScript cannot correlate a union's
// type with its payload across the generic: createEnvelope's contract check validates the pair at run time.
const envelopeOf = (ctx: EnvelopeContext, event: OutboundEvent) =>
  createEnvelope(event.type as 'token', ctx, { ...event.payload, seq: 1 } as MessagePayload<'token'>);

const DRAIN_BATCH = 500;
const DRAIN_IDLE_LIMIT = '5s';
const SWEEP_MS = 1000;
const STALE_MS = 1000;

/**
 * The one ordered writer of every session's outbound stream. Each event is first written to PostgreSQL with the
 * session's next seq, in the transaction that decided it (or fenced by the turn's lease), then published to
 * `conversation.outbound` in seq order by `drain`, which is serialized per session across all processes.
 */
@Injectable()
export class SessionEventJournal implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionEventJournal.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private lastPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly kafka: KafkaClient,
    private readonly config: SomaConfig,
  ) {}

  /**
   * Appends a running turn's events unless the run lost the turn (then TurnFencedError), waiting out database
   * outages; then publishes them. A retried write whose first try did commit is recognised by its event id, so
   * an event is never written twice.
   */
  async appendFenced(
    ctx: EnvelopeContext,
    fence: TurnFence,
    events: readonly OutboundEvent[],
    signal?: AbortSignal,
  ): Promise<void> {
    const envelopes = events.map((event) => envelopeOf(ctx, event));
    const firstId = envelopes[0]?.eventId;
    if (!firstId) return;
    const params = [ctx.sessionId, fence.turnId, fence.owner, fence.attempt, events.length];
    const written = await persist(
      async () => {
        const rows = await this.dataSource.query<unknown[]>(APPEND_FENCED, [
          ...params,
          JSON.stringify(envelopes),
          firstId,
        ]);
        if (rows.length === envelopes.length) return true;
        const earlier = await this.dataSource.query<unknown[]>(
          `SELECT 1 FROM session_events WHERE event_id = $1`,
          [firstId],
        );
        return earlier.length > 0;
      },
      {
        signal,
        onRetry: (failure) => {
          this.logRetry('append', ctx.sessionId, failure.code);
        },
      },
    );
    if (!written) throw new TurnFencedError(fence.turnId);
    await this.publish(ctx.sessionId);
  }

  /** Drains now, or leaves it to the sweep when PostgreSQL or Kafka cannot (the events are safe). */
  async publish(sessionId: string): Promise<void> {
    try {
      await this.drain(sessionId);
    } catch (error) {
      this.logger.warn({
        msg: 'publishing deferred to the sweep',
        sessionId,
        error: (error as Error).message,
      });
    }
  }

  private logRetry(what: string, sessionId: string, code: string): void {
    this.logger.warn({ msg: `journal ${what} retried`, sessionId, code });
  }

  /** Appends in the caller's transaction: the guarded state change it makes is the fence. Drain after commit. */
  async appendIn(
    manager: EntityManager,
    ctx: EnvelopeContext,
    turnId: string | null,
    events: readonly OutboundEvent[],
  ): Promise<void> {
    const envelopes = events.map((event) => envelopeOf(ctx, event));
    const rows = await manager.query<unknown[]>(APPEND, [
      ctx.sessionId,
      turnId,
      events.length,
      JSON.stringify(envelopes),
    ]);
    if (rows.length !== events.length) throw new Error(`session ${ctx.sessionId} not found`);
  }

  /**
   * Publishes the session's unpublished events in seq order. The advisory lock makes drains of one session run
   * one at a time; every committed event is published by the first drain that starts after its commit.
   * A crash between publishing and marking republishes the same events (same seq and eventId): consumers
   * drop a seq they already have.
   */
  async drain(sessionId: string): Promise<void> {
    for (;;) {
      const published = await this.dataSource.transaction(async (manager) => {
        // A drainer that is frozen (or stuck in Kafka) while it holds the session's lock would stop every other
        // instance from publishing that session: PostgreSQL ends such a transaction after DRAIN_IDLE_LIMIT, and
        // the next drain (or the sweep) publishes; a republished event keeps its seq and is dropped downstream.
        await manager.query(`SET LOCAL idle_in_transaction_session_timeout = '${DRAIN_IDLE_LIMIT}'`);
        await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [sessionId]);
        const rows = await manager.query<{ seq: string; envelope: object }[]>(
          `SELECT seq, envelope FROM session_events WHERE session_id = $1 AND published_at IS NULL
           ORDER BY seq LIMIT ${DRAIN_BATCH}`,
          [sessionId],
        );
        if (rows.length === 0) return 0;
        await this.kafka.send(
          Topics.conversationOutbound,
          rows.map((row) => ({ key: sessionId, value: JSON.stringify(row.envelope) })),
        );
        await manager.query(
          `UPDATE session_events SET published_at = now()
           WHERE session_id = $1 AND published_at IS NULL AND seq <= $2`,
          [sessionId, rows.at(-1)?.seq],
        );
        return rows.length;
      });
      if (published < DRAIN_BATCH) return;
    }
  }

  /** The text already streamed in the turn's current step (the deltas after its last tool event). */
  async streamedText(manager: EntityManager, turnId: string): Promise<string> {
    const [row] = await manager.query<{ text: string | null }[]>(
      `SELECT string_agg(envelope->'payload'->>'delta', '' ORDER BY seq) AS text
       FROM session_events
       WHERE turn_id = $1 AND type = 'token' AND seq > COALESCE(
         (SELECT max(seq) FROM session_events WHERE turn_id = $1 AND type IN ('tool.completed', 'tool.blocked')), 0)`,
      [turnId],
    );
    return row?.text ?? '';
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      void this.sweep();
    }, SWEEP_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Publishes what a crashed or failing writer left unpublished, and forgets events past the retention. */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const stale = await this.dataSource.query<{ session_id: string }[]>(
        `SELECT DISTINCT session_id FROM session_events
         WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1) LIMIT 100`,
        [STALE_MS / 1000],
      );
      for (const { session_id } of stale) await this.drain(session_id);
      if (Date.now() - this.lastPurge > 60_000) {
        this.lastPurge = Date.now();
        await this.dataSource.query(
          `DELETE FROM session_events WHERE created_at < now() - make_interval(hours => $1)
           AND published_at IS NOT NULL`,
          [this.config.replayRetentionHours],
        );
      }
    } catch (error) {
      this.logger.warn({ msg: 'journal sweep failed', error: (error as Error).message });
    } finally {
      this.sweeping = false;
    }
  }
}
