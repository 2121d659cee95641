import {
  Module,
  type DynamicModule,
  type INestApplication,
  type OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { AppIdentity } from '../app-identity.config.js';
import { ConfigError, loadConfig, SomaConfig } from '../config/soma.config.js';
import { JsonLogger } from '../logging/json.logger.js';
import { PlatformModule } from '../platform.module.js';
import { OpsListener } from './ops-listener.js';
import { httpSpanMiddleware } from '../tracing/http-span.middleware.js';
import { startTracing } from '../tracing/tracing.js';

/** service.version of the spans. */
const APP_VERSION = '0.1.0';

type OpsHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface AppDefinition {
  name: string;
  /** The app's own module (wiring only). */
  module: Type | DynamicModule;
  port: (config: SomaConfig) => number;
  host?: (config: SomaConfig) => string;
  configure?: (app: NestExpressApplication, config: SomaConfig) => void | Promise<void>;
  /**
   * For an app whose port is public: /metrics and /health/ready move to this operations listener (and answer
   * 404 on the public port). Without it they are served on the app's (internal) port.
   */
  ops?: (config: SomaConfig) => { port: number; host: string };
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
  // Before anything runs: the context manager and propagator are registered once, process-wide.
  const tracing = startTracing(
    { name: definition.name, instanceId: config.instanceId, version: APP_VERSION },
    config,
    logger,
  );

  /** Sends the spans still buffered, after the consumers and servers have stopped. */
  class TracingShutdown implements OnApplicationShutdown {
    async onApplicationShutdown(): Promise<void> {
      await tracing?.shutdown().catch((error: unknown) => {
        logger.warn({ msg: 'tracing shutdown failed', error: (error as Error).message }, 'Tracing');
      });
    }
  }

  @Module({
    imports: [PlatformModule.forRoot(identity, config), definition.module],
    providers: [TracingShutdown],
  })
  class RootModule {}

  const app = await NestFactory.create<NestExpressApplication>(RootModule, {
    logger,
    bodyParser: false,
    abortOnError: false,
  });
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.enableShutdownHooks();
  if (tracing) {
    app.use(httpSpanMiddleware);
    logger.log({ msg: 'tracing on', exporter: tracing.destination }, 'Bootstrap');
  }
  const ops = definition.ops ? new OpsListener() : undefined;
  if (ops) app.use(ops.publicGuard);
  await definition.configure?.(app, config);
  const host = definition.host?.(config) ?? config.internalHost;
  const port = definition.port(config);
  await app.listen(port, host);
  logger.log({ msg: `${definition.name} listening`, url: `http://${host}:${port}` }, 'Bootstrap');
  if (ops && definition.ops) {
    const at = definition.ops(config);
    await ops.listen(app.getHttpAdapter().getInstance() as OpsHandler, at.port, at.host);
    // Closed with the app (shutdown hooks close the public server first).
    app.getHttpServer().once('close', () => void ops.close());
    logger.log({ msg: `${definition.name} operations`, url: `http://${at.host}:${at.port}` }, 'Bootstrap');
  }
  return app;
}
