import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { type Principal } from '../../principal.contract.js';
import { principalOf } from '../resolve-api-key/principal-of.js';
import { ResolveApiKeyByIdQuery } from './resolve-api-key-by-id.query.js';

@QueryHandler(ResolveApiKeyByIdQuery)
export class ResolveApiKeyByIdHandler implements IQueryHandler<ResolveApiKeyByIdQuery, Principal> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ keyId }: ResolveApiKeyByIdQuery): Promise<Principal> {
    return principalOf(this.dataSource, { id: keyId });
  }
}
