import { Command } from '@nestjs/cqrs';
import { type ApiKeyRole, type AuditActor } from '#soma/persistence';
import { type ApiKeySummary } from '../../api-key-summary.contract.js';

/** The new key in clear text is in this result only: it is never stored nor shown again. */
export type CreatedApiKey = ApiKeySummary & { key: string };

/** A key of the caller's tenant, audited in the same transaction. */
export class CreateApiKeyCommand extends Command<CreatedApiKey> {
  constructor(
    readonly tenantId: string,
    readonly name: string,
    readonly role: ApiKeyRole,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
