import { Injectable } from '@nestjs/common';
import { TenantEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ToolError } from '../tools.errors.js';

/** What grant management checks first: the tenant exists, and OpenFGA answers (else 503, nothing half-done). */
@Injectable()
export class TenantGuard {
  constructor(private readonly dataSource: DataSource) {}

  async mustExist(tenantId: string): Promise<void> {
    if (!(await this.dataSource.getRepository(TenantEntity).existsBy({ id: tenantId })))
      throw new ToolError('TENANT_NOT_FOUND', `tenant ${tenantId} not found`);
  }

  async reachPolicy<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new ToolError('POLICY_UNAVAILABLE', `OpenFGA did not answer: ${(error as Error).message}`);
    }
  }
}
