import 'reflect-metadata';
import { bootstrapApp } from '#soma/platform';
import { RequeueAppModule } from './requeue.module.js';

await bootstrapApp({
  name: 'requeue',
  module: RequeueAppModule,
  port: (config) => config.requeuePort,
});
