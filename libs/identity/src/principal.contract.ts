import { type ApiKeyRole } from '#soma/persistence';

/** Who is calling: resolved from an API key on every request and socket handshake. */
export interface Principal {
  tenantId: string;
  keyId: string;
  role: ApiKeyRole;
  /** An admin of the operator (default) tenant: may manage tenants, budgets and model profiles. */
  operator: boolean;
}
