import { Global, Module } from '@nestjs/common';
import { HealthRegistry, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source.config.js';
import { AuditRecorder } from './audit/audit.recorder.js';
import { OutboxRelay } from './outbox.relay.js';
import { assertCannotRewriteAudit } from './roles/database-roles.js';

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [SomaConfig, HealthRegistry],
      useFactory: async (config: SomaConfig, health: HealthRegistry) => {
        const dataSource = await createDataSource(config.pgUrl).initialize();
        // The audit trail is tamper-evident only if the apps cannot rewrite it: refuse to boot otherwise.
        await assertCannotRewriteAudit(dataSource);
        health.register('postgres', async () => {
          await dataSource.query('SELECT 1');
        });
        return dataSource;
      },
    },
    OutboxRelay,
    AuditRecorder,
  ],
  exports: [DataSource, OutboxRelay, AuditRecorder],
})
export class PersistenceModule {}
