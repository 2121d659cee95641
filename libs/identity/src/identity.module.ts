import { Module } from '@nestjs/common';
import { CreateTenantHandler } from './commands/create-tenant/create-tenant.handler.js';
import { ResolveApiKeyHandler } from './queries/resolve-api-key/resolve-api-key.handler.js';

const commandHandlers = [CreateTenantHandler];
const queryHandlers = [ResolveApiKeyHandler];

@Module({ providers: [...commandHandlers, ...queryHandlers] })
export class IdentityModule {}
