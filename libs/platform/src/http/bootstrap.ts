import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { AppIdentity } from '../app-identity.config.js';
import { ConfigError, loadConfig, SomaConfig } from '../config/soma.config.js';
import { JsonLogger } from '../logging/json.logger.js';
import { PlatformModule } from '../platform.module.js';

export interface AppDefinition {
  name: string;
  /** The app's own module (wiring only). */
  module: Type | DynamicModule;
  port: (config: SomaConfig) => number;
  host?: (config: SomaConfig) => string;
  configure?: (app: NestExpressApplication, config: SomaConfig) => void | Promise<void>;
}

/** One bootstrap for every app: config validated once, JSON logs, health, metrics, shutdown hooks. */
export async function bootstrapApp(definition: AppDefinition): Promise<INestApplication> {
  let config: SomaConfig;
  try {
    config = new SomaConfig(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const identity = new AppIdentity(definition.name, config.instanceId);
  const logger = new JsonLogger(definition.name, config.logLevel);

  @Module({ imports: [PlatformModule.forRoot(identity, config), definition.module] })
  class RootModule {}

  const app = await NestFactory.create<NestExpressApplication>(RootModule, {
    logger,
    bodyParser: false,
    abortOnError: false,
  });
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.enableShutdownHooks();
  await definition.configure?.(app, config);
  const host = definition.host?.(config) ?? '127.0.0.1';
  const port = definition.port(config);
  await app.listen(port, host);
  logger.log({ msg: `${definition.name} listening`, url: `http://${host}:${port}` }, 'Bootstrap');
  return app;
}
