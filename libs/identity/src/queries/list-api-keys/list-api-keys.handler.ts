import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ApiKeyEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { toApiKeySummary, type ApiKeySummary } from '../../api-key-summary.contract.js';
import { ListApiKeysQuery } from './list-api-keys.query.js';

@QueryHandler(ListApiKeysQuery)
export class ListApiKeysHandler implements IQueryHandler<ListApiKeysQuery, ApiKeySummary[]> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId }: ListApiKeysQuery): Promise<ApiKeySummary[]> {
    const keys = await this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { tenantId }, order: { createdAt: 'DESC', id: 'ASC' } });
    return keys.map(toApiKeySummary);
  }
}
