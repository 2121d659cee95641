import { Module } from '@nestjs/common';
import { ResolveApiKeyHandler } from './queries/resolve-api-key/resolve-api-key.handler.js';

const queryHandlers = [ResolveApiKeyHandler];

@Module({ providers: [...queryHandlers] })
export class IdentityModule {}
