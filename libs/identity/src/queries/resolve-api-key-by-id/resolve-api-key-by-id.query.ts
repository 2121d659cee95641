import { Query } from '@nestjs/cqrs';
import { type Principal } from '../../principal.contract.js';

/** The principal of a key known by its id (a docs session holds the id, never the key); revoked → invalid. */
export class ResolveApiKeyByIdQuery extends Query<Principal> {
  constructor(readonly keyId: string) {
    super();
  }
}
