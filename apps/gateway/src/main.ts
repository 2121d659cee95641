import 'reflect-metadata';
import { QueryBus } from '@nestjs/cqrs';
import { ResolveApiKeyQuery } from '#soma/identity';
import { bootstrapApp } from '#soma/platform';
import { DocumentBuilder, getSchemaPath, SwaggerModule } from '@nestjs/swagger';
import { serveConsole } from './console/console-static.middleware.js';
import { docsAuth } from './docs/docs-auth.middleware.js';
import { DOCS_SESSION_SECONDS, DocsSessions } from './docs/docs-sessions.service.js';
import { GatewayModule } from './gateway.module.js';
import { correlationMiddleware } from './http/correlation.middleware.js';
import { ErrorDto, RateLimitedErrorDto } from './http/errors.dto.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import {
  closeRequestBodies,
  declarePayloadTooLarge,
  declareRateLimitHeaders,
  methodNotAllowed,
} from './http/openapi-contract.js';
import { RateLimiter } from './http/rate-limiter.service.js';
import { createValidationPipe } from './http/validation.pipe.js';
import { RedisIoAdapter } from './streaming/redis-io.adapter.js';

await bootstrapApp({
  name: 'gateway',
  module: GatewayModule,
  port: (config) => config.gatewayPort,
  host: (config) => config.gatewayHost,
  ops: (config) => ({ port: config.gatewayOpsPort, host: config.gatewayOpsHost }),
  configure: (app, config) => {
    // Behind a TLS-terminating proxy: client IP (rate limits) and TLS (Secure cookies) from X-Forwarded-*.
    if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
    app.use(correlationMiddleware);
    app.useGlobalPipes(createValidationPipe());
    app.useGlobalFilters(new HttpErrorFilter());
    app.useWebSocketAdapter(new RedisIoAdapter(app, config));
    serveConsole(app);
    const queryBus = app.get(QueryBus);
    const limiter = app.get(RateLimiter);
    app.use(
      ['/docs', '/docs-json', '/docs-yaml'],
      docsAuth(
        (key) => queryBus.execute(new ResolveApiKeyQuery(key)),
        app.get(DocsSessions),
        DOCS_SESSION_SECONDS,
        (scope, ip) => limiter.hit(scope, ip),
      ),
    );
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('SomaAgent API')
        .setDescription(
          'Sessions, streamed turns, and administration of the SomaAgent platform. Authenticate with ' +
            "`Authorization: Bearer <api key>`; every route is scoped to the key's tenant. Streamed events " +
            '(SSE here, Socket.IO namespace /sessions) and Kafka topics are described in /asyncapi.json.',
        )
        .setVersion('0.1.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
        .addGlobalResponse(
          {
            status: 429,
            description: 'Rate limited (per API key, tenant or client IP); see the Retry-After header',
            type: RateLimitedErrorDto,
            headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
          },
          { status: 500, description: 'Internal error', type: ErrorDto },
        )
        .build(),
      { extraModels: [ErrorDto, RateLimitedErrorDto] },
    );
    // Operational endpoints (Prometheus) are not part of the public API.
    delete document.paths['/metrics'];
    // The rules every route follows that decorators cannot state (docs/gateway.md, "Contract").
    closeRequestBodies(document);
    declarePayloadTooLarge(document, { $ref: getSchemaPath(ErrorDto) });
    declareRateLimitHeaders(document);
    app.use(methodNotAllowed(document));
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs-json',
      customSiteTitle: 'SomaAgent API',
    });
  },
});
