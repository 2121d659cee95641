import { Body, Controller, Param, Post, Put, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SetTenantBudgetCommand } from '#soma/conversation';
import { CreateTenantCommand, type Principal } from '#soma/identity';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { TenantIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { BudgetLimitsDto, CreateTenantDto, TenantBudgetDto, TenantCreatedDto } from './tenants.dto.js';

/** Tenants and their budgets: operator admins only. */
@ApiTags('tenants')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('operator')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiResponse({ status: 201, type: TenantCreatedDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 409, type: ErrorDto })
  create(@Body() body: CreateTenantDto): Promise<TenantCreatedDto> {
    return this.commandBus.execute(new CreateTenantCommand(body.name));
  }

  @Put(':id/budget')
  @ApiResponse({ status: 200, description: 'The limits now in force', type: BudgetLimitsDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  setBudget(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
    @Body() body: TenantBudgetDto,
  ): Promise<BudgetLimitsDto> {
    return this.commandBus.execute(
      new SetTenantBudgetCommand(
        tenantId,
        body.dailyTokenBudget ?? null,
        body.sessionTokenCap ?? null,
        principal.keyId,
      ),
    );
  }
}
