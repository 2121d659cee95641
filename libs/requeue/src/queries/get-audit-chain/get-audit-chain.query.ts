import { Query } from '@nestjs/cqrs';
import { type ChainedAuditEvent } from '#soma/contracts';
import { type Actor } from '../../actor.contract.js';

export interface AuditChainPage {
  /** The chain read: a tenant's id, or 'platform'. */
  chain: string;
  /** In chain order (seq ascending), with the fields every hash covers. */
  items: ChainedAuditEvent[];
  /** Pass as `after` for the next page; null at the end of the chain. */
  next: number | null;
}

/**
 * A stretch of one audit chain after a position, for verifying it: a tenant admin reads its own tenant's, the
 * operator any tenant's or the platform's (`chain` undefined: the caller's own tenant).
 */
export class GetAuditChainQuery extends Query<AuditChainPage> {
  constructor(
    readonly actor: Actor,
    readonly chain: string | undefined,
    readonly after: number,
    readonly limit: number,
  ) {
    super();
  }
}
