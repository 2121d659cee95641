import { Module } from '@nestjs/common';
import { CreateApiKeyHandler } from './commands/create-api-key/create-api-key.handler.js';
import { CreateTenantHandler } from './commands/create-tenant/create-tenant.handler.js';
import { RevokeApiKeyHandler } from './commands/revoke-api-key/revoke-api-key.handler.js';
import { ListApiKeysHandler } from './queries/list-api-keys/list-api-keys.handler.js';
import { ResolveApiKeyByIdHandler } from './queries/resolve-api-key-by-id/resolve-api-key-by-id.handler.js';
import { ResolveApiKeyHandler } from './queries/resolve-api-key/resolve-api-key.handler.js';

const commandHandlers = [CreateTenantHandler, CreateApiKeyHandler, RevokeApiKeyHandler];
const queryHandlers = [ResolveApiKeyHandler, ResolveApiKeyByIdHandler, ListApiKeysHandler];

@Module({ providers: [...commandHandlers, ...queryHandlers] })
export class IdentityModule {}
