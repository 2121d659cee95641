import { type ApiKeyRole } from '#soma/persistence';

/** Who is calling: resolved from an API key on every request and socket handshake. */
export interface Principal {
  tenantId: string;
  keyId: string;
  role: ApiKeyRole;
}
