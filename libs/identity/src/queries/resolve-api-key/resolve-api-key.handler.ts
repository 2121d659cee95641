import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { hashApiKey } from '../../api-key.contract.js';
import { IdentityError } from '../../identity.errors.js';
import { type Principal } from '../../principal.contract.js';
import { principalOf } from './principal-of.js';
import { ResolveApiKeyQuery } from './resolve-api-key.query.js';

@QueryHandler(ResolveApiKeyQuery)
export class ResolveApiKeyHandler implements IQueryHandler<ResolveApiKeyQuery, Principal> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ presentedKey }: ResolveApiKeyQuery): Promise<Principal> {
    if (!presentedKey)
      throw new IdentityError('API_KEY_MISSING', 'Authorization: Bearer <api key> is required');
    return principalOf(this.dataSource, { keyHash: hashApiKey(presentedKey) });
  }
}
