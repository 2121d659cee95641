import { type SessionEntity } from '#soma/persistence';
import { type Actor } from '../actor.contract.js';

/**
 * Who answers a session's approvals: the API key that created the session, or an admin of its tenant. Anyone
 * else (another user of the tenant, another tenant, an operator of another tenant) sees nothing: 404, as for
 * a session that does not exist. Sessions created before owners were recorded are answered by admins only.
 */
export function mayAnswer(session: SessionEntity | null, actor: Actor): session is SessionEntity {
  if (!session || session.tenantId !== actor.tenantId) return false;
  return session.ownerKeyId === actor.keyId || actor.role === 'admin';
}
