import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { parseDeadLetter } from '../../dead-letters/dead-letter.parser.js';
import { RecordDeadLetterCommand } from './record-dead-letter.command.js';

@CommandHandler(RecordDeadLetterCommand)
export class RecordDeadLetterHandler implements ICommandHandler<RecordDeadLetterCommand, boolean> {
  constructor(
    private readonly dataSource: DataSource,
    @InjectMetric('dead_letters_total') private readonly deadLetters: Counter<'reason' | 'topic'>,
  ) {}

  /** True when stored now; false for a redelivery of a letter already stored. */
  async execute({ letter }: RecordDeadLetterCommand): Promise<boolean> {
    const parsed = parseDeadLetter(letter);
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO dead_letters (id, dlq_topic, dlq_partition, dlq_offset, source_topic, source, reason, detail, app,
         message_key, value, headers, event_id, tenant_id, session_id, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'stored')
       ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO NOTHING
       RETURNING id`,
      [
        randomUUID(),
        letter.topic,
        letter.partition,
        letter.offset,
        parsed.sourceTopic,
        parsed.source,
        parsed.reason,
        parsed.detail,
        parsed.app,
        letter.key?.toString() ?? null,
        letter.value,
        JSON.stringify(letter.headers),
        parsed.eventId,
        parsed.tenantId,
        parsed.sessionId,
      ],
    );
    if (rows.length === 1) this.deadLetters.inc({ reason: parsed.reason, topic: parsed.sourceTopic });
    return rows.length === 1;
  }
}
