import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TenantBudgetEntity, TenantEntity } from '#soma/persistence';
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
  ) {}

  async execute(command: SetTenantBudgetCommand): Promise<TenantBudgetLimits> {
    const exists = await this.dataSource.getRepository(TenantEntity).existsBy({ id: command.tenantId });
    if (!exists) throw new ConversationError('TENANT_NOT_FOUND', `tenant ${command.tenantId} not found`);
    await this.dataSource.getRepository(TenantBudgetEntity).upsert(
      {
        tenantId: command.tenantId,
        dailyTokenBudget: command.dailyTokenBudget,
        sessionTokenCap: command.sessionTokenCap,
        dailyToolSeconds: command.dailyToolSeconds,
        updatedBy: command.changedBy,
      },
      ['tenantId'],
    );
    const limits: BudgetLimits = await this.budgets.limits(command.tenantId);
    return { ...limits, dailyToolSeconds: command.dailyToolSeconds ?? this.config.tenantDailyToolSeconds };
  }
}
