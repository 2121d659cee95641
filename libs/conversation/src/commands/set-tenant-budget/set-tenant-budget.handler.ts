import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, OutboxRelay, TenantBudgetEntity, TenantEntity } from '#soma/persistence';
import { SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { type BudgetLimits } from '../../budget/token-budget.js';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { ConversationError } from '../../conversation.errors.js';
import { SetTenantBudgetCommand, type TenantBudgetLimits } from './set-tenant-budget.command.js';

@CommandHandler(SetTenantBudgetCommand)
export class SetTenantBudgetHandler implements ICommandHandler<SetTenantBudgetCommand, TenantBudgetLimits> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly budgets: TokenBudgetRepository,
    private readonly config: SomaConfig,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute(command: SetTenantBudgetCommand): Promise<TenantBudgetLimits> {
    const exists = await this.dataSource.getRepository(TenantEntity).existsBy({ id: command.tenantId });
    if (!exists) throw new ConversationError('TENANT_NOT_FOUND', `tenant ${command.tenantId} not found`);
    const set = {
      dailyTokenBudget: command.dailyTokenBudget,
      sessionTokenCap: command.sessionTokenCap,
      dailyToolSeconds: command.dailyToolSeconds,
    };
    const staged = await this.dataSource.transaction(async (manager) => {
      await manager
        .getRepository(TenantBudgetEntity)
        .upsert({ tenantId: command.tenantId, ...set, updatedBy: command.actor.keyId }, ['tenantId']);
      const audited = await this.audit.record(manager, command.actor, {
        action: 'tenant.budget.updated',
        subject: { type: 'tenant', id: command.tenantId },
        reason: 'budget limits set (null: the configured default)',
        detail: set,
        tenantId: command.tenantId,
        sessionId: null,
      });
      return audited.staged;
    });
    await this.outbox.flush([staged]);
    const limits: BudgetLimits = await this.budgets.limits(command.tenantId);
    return { ...limits, dailyToolSeconds: command.dailyToolSeconds ?? this.config.tenantDailyToolSeconds };
  }
}
