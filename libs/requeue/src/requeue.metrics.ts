import { type Provider } from '@nestjs/common';
import { requeueItemStatuses } from '#soma/persistence';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';

export const REQUEUE_ITEMS_GAUGE = 'REQUEUE_ITEMS_GAUGE';

/** requeue_items{status}: counted in PostgreSQL at scrape time, so every instance reports the truth. */
export const requeueItemsGaugeProvider: Provider = {
  provide: REQUEUE_ITEMS_GAUGE,
  inject: [DataSource],
  useFactory: (dataSource: DataSource) => {
    register.removeSingleMetric('requeue_items');
    return new Gauge({
      name: 'requeue_items',
      help: 'Requeue items by status (pending, retrying, overridden, rejected, dead_lettered, resolved)',
      labelNames: ['status'],
      async collect() {
        const rows: { status: string; count: string }[] = await dataSource.query(
          'SELECT status, count(*) AS count FROM requeue_items GROUP BY status',
        );
        for (const status of requeueItemStatuses) {
          this.set({ status }, Number(rows.find((row) => row.status === status)?.count ?? 0));
        }
      },
    });
  },
};

export const retriesCounterProvider = makeCounterProvider({
  name: 'retries_total',
  help: 'Retries of transient failures scheduled (with backoff) on a retry topic, by the topic retried',
  labelNames: ['topic'],
});

export const deadLettersCounterProvider = makeCounterProvider({
  name: 'dead_letters_total',
  help: 'Dead letters stored, by reason code and source topic',
  labelNames: ['reason', 'topic'],
});

export const overridesCounterProvider = makeCounterProvider({
  name: 'requeue_overrides_total',
  help: 'Blocked tool calls an admin overrode (each with a single-use grant and an audit event)',
});
