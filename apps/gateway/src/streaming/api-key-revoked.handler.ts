import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { ApiKeyRevokedEvent } from '#soma/identity';
import { SessionsGateway } from './sessions.gateway.js';

/** A revoked key's streams end on every gateway instance (SSE and Socket.IO alike). */
@EventsHandler(ApiKeyRevokedEvent)
export class ApiKeyRevokedHandler implements IEventHandler<ApiKeyRevokedEvent> {
  constructor(private readonly gateway: SessionsGateway) {}

  handle({ keyId }: ApiKeyRevokedEvent): void {
    this.gateway.revokeKey(keyId);
  }
}
