import 'reflect-metadata';
import { bootstrapApp } from '#soma/platform';
import { ToolExecutorAppModule } from './tool-executor.module.js';

await bootstrapApp({
  name: 'tool-executor',
  module: ToolExecutorAppModule,
  port: (config) => config.toolExecutorPort,
});
