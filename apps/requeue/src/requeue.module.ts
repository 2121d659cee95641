import { Module } from '@nestjs/common';
import { PersistenceModule } from '#soma/persistence';

/** Blocked-call review, retries and dead letters arrive with the requeue issue; health and metrics now. */
@Module({ imports: [PersistenceModule] })
export class RequeueAppModule {}
