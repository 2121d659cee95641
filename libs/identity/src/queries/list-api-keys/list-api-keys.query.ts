import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { type ApiKeySummary } from '../../api-key-summary.contract.js';

/** The keys of the caller's tenant, newest first (revoked ones included, marked), a page at a time. */
export class ListApiKeysQuery extends Query<KeysetPage<ApiKeySummary>> {
  constructor(
    readonly tenantId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}
