import { Command } from '@nestjs/cqrs';
import { type ApiKeyRole } from '#soma/persistence';
import { type ApiKeySummary } from '../../api-key-summary.contract.js';

/** The new key in clear text is in this result only: it is never stored nor shown again. */
export type CreatedApiKey = ApiKeySummary & { key: string };

export class CreateApiKeyCommand extends Command<CreatedApiKey> {
  constructor(
    readonly tenantId: string,
    readonly name: string,
    readonly role: ApiKeyRole,
  ) {
    super();
  }
}
