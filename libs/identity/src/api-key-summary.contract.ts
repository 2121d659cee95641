import { type ApiKeyEntity, type ApiKeyRole } from '#soma/persistence';

/** What admins see of a key: never the key itself, nor its hash. */
export interface ApiKeySummary {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export function toApiKeySummary(entity: ApiKeyEntity): ApiKeySummary {
  return {
    id: entity.id,
    name: entity.name,
    role: entity.role,
    prefix: entity.keyPrefix,
    createdAt: entity.createdAt,
    revokedAt: entity.revokedAt,
  };
}
