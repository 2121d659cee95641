import { Injectable } from '@nestjs/common';
import { type OverrideGrant } from '#soma/contracts';
import { OverrideGrantEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';

/** The grants requeue records on an admin override; the executor spends each one at most once. */
@Injectable()
export class OverrideGrantRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Marks the grant used, atomically, if it is recorded, unused, and bound to this tenant, tool call id and
   * arguments hash. False otherwise: a forged, reused or transplanted grant is refused.
   */
  async consume(grant: OverrideGrant, tenantId: string, toolCallId: string): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(OverrideGrantEntity)
      .set({ usedAt: () => 'now()' })
      .where('grant_id = :grantId AND used_at IS NULL', { grantId: grant.grantId })
      .andWhere('tool_call_id = :toolCallId AND tenant_id = :tenantId AND arguments_hash = :hash', {
        toolCallId,
        tenantId,
        hash: grant.argumentsHash,
      })
      .execute();
    return result.affected === 1;
  }
}
