import 'reflect-metadata';
import { bootstrapApp } from '#soma/platform';
import { ConversationWorkerAppModule } from './conversation-worker.module.js';

await bootstrapApp({
  name: 'conversation-worker',
  module: ConversationWorkerAppModule,
  port: (config) => config.workerPort,
});
