import { Module } from '@nestjs/common';
import { PersistenceModule } from '#soma/persistence';

/** Tool execution (validation, policy, sandbox) arrives with the tool-executor issue; health and metrics now. */
@Module({ imports: [PersistenceModule] })
export class ToolExecutorAppModule {}
