import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ApiKeyEntity, keysetPage, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { toApiKeySummary, type ApiKeySummary } from '../../api-key-summary.contract.js';
import { ListApiKeysQuery } from './list-api-keys.query.js';

const order = {
  keys: [
    { expr: 'k.created_at', type: 'timestamptz' },
    { expr: 'k.id', type: 'uuid' },
  ],
  direction: 'DESC',
} as const;

@QueryHandler(ListApiKeysQuery)
export class ListApiKeysHandler implements IQueryHandler<ListApiKeysQuery, KeysetPage<ApiKeySummary>> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ tenantId, page }: ListApiKeysQuery): Promise<KeysetPage<ApiKeySummary>> {
    const query = this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.tenant_id = :tenantId', { tenantId });
    return keysetPage(query, order, page, toApiKeySummary);
  }
}
