import { Query } from '@nestjs/cqrs';
import { type Principal } from '../../principal.contract.js';

export class ResolveApiKeyQuery extends Query<Principal> {
  constructor(readonly presentedKey: string | undefined) {
    super();
  }
}
