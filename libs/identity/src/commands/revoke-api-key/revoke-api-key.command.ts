import { Command } from '@nestjs/cqrs';
import { type ApiKeySummary } from '../../api-key-summary.contract.js';

/** Revokes a key of the caller's tenant; another tenant's key is "not found". Idempotent. */
export class RevokeApiKeyCommand extends Command<ApiKeySummary> {
  constructor(
    readonly tenantId: string,
    readonly keyId: string,
  ) {
    super();
  }
}
