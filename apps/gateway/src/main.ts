import 'reflect-metadata';
import { bootstrapApp } from '#soma/platform';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { GatewayModule } from './gateway.module.js';
import { correlationMiddleware } from './http/correlation.middleware.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { createValidationPipe } from './http/validation.pipe.js';

await bootstrapApp({
  name: 'gateway',
  module: GatewayModule,
  port: (config) => config.gatewayPort,
  host: (config) => config.gatewayHost,
  configure: (app) => {
    app.use(correlationMiddleware);
    app.useGlobalPipes(createValidationPipe());
    app.useGlobalFilters(new HttpErrorFilter());
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('SomaAgent API')
        .setDescription('Sessions, streamed turns, and administration of the SomaAgent platform.')
        .setVersion('0.1.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  },
});
