import { Query } from '@nestjs/cqrs';
import { type ApiKeySummary } from '../../api-key-summary.contract.js';

/** The keys of the caller's tenant, newest first (revoked ones included, marked). */
export class ListApiKeysQuery extends Query<ApiKeySummary[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
