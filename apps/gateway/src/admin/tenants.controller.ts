import { Body, Controller, Get, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SetTenantBudgetCommand } from '#soma/conversation';
import { CreateTenantCommand, type Principal } from '#soma/identity';
import { currentCorrelationId, SomaConfig } from '#soma/platform';
import {
  GetTenantPolicyQuery,
  SetTenantPolicyCommand,
  type TenantPolicyView,
  type ToolGrant,
} from '#soma/policy';
import { GetTenantToolsQuery, SetTenantToolsCommand } from '#soma/tools';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ApiPage, PageCursors, PageQueryDto, type PageResponse } from '../http/pagination/index.js';
import { TenantIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import {
  BudgetLimitsDto,
  CreateTenantDto,
  TenantBudgetDto,
  TenantCreatedDto,
  TenantPolicyDto,
  TenantPolicySettingsDto,
  TenantToolsDto,
  ToolGrantDto,
} from './tenants.dto.js';

/** Tenants, their budgets, tool grants and policy settings: operator admins only (a tenant's admins read its policy). */
@ApiTags('tenants')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('operator')
@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly config: SomaConfig,
    private readonly cursors: PageCursors,
  ) {}

  /**
   * The tenant is created first (committed); its default tools are then granted in OpenFGA. If that fails the
   * tenant still exists and the response says why (`toolsError`): PUT its tools to retry.
   */
  @Post()
  @ApiResponse({ status: 201, type: TenantCreatedDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 409, type: ErrorDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateTenantDto,
  ): Promise<TenantCreatedDto> {
    const tenant = await this.commandBus.execute(new CreateTenantCommand(body.name, principal));
    const defaults = this.config.newTenantTools.map((tool) => ({ tool, approvalRequired: false }));
    try {
      const tools = await this.commandBus.execute(new SetTenantToolsCommand(tenant.id, defaults, principal));
      return { ...tenant, tools, toolsError: null };
    } catch (error) {
      return { ...tenant, tools: null, toolsError: (error as Error).message };
    }
  }

  @Get(':id/tools')
  @ApiPage(ToolGrantDto, 'The tools the tenant may use, by name')
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({ status: 503, description: 'OpenFGA did not answer', type: ErrorDto })
  async tools(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
    @Query() query: PageQueryDto,
  ): Promise<PageResponse<ToolGrant>> {
    const scope = { list: 'tenant-tools', tenantId: principal.tenantId, parentId: tenantId };
    const page = await this.queryBus.execute(
      new GetTenantToolsQuery(tenantId, this.cursors.request(query, scope)),
    );
    return this.cursors.response(page, scope, (grant) => grant);
  }

  @Put(':id/tools')
  @ApiResponse({ status: 200, description: 'The grants now in force', type: [ToolGrantDto] })
  @ApiResponse({ status: 400, description: 'Unknown tool, or a tool listed twice', type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({ status: 503, description: 'OpenFGA did not answer', type: ErrorDto })
  setTools(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
    @Body() body: TenantToolsDto,
  ): Promise<ToolGrant[]> {
    return this.commandBus.execute(new SetTenantToolsCommand(tenantId, body.tools, principal));
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
        body.dailyToolSeconds ?? null,
        principal,
      ),
    );
  }

  @Get(':id/policy')
  @Requires('admin')
  @ApiResponse({ status: 200, description: "The tenant's policy settings", type: TenantPolicySettingsDto })
  @ApiResponse({ status: 404, description: "Unknown tenant, or another tenant's", type: ErrorDto })
  policy(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
  ): Promise<TenantPolicyView> {
    return this.queryBus.execute(new GetTenantPolicyQuery(principal, tenantId));
  }

  /** Stored and audited in one transaction, then loaded into OPA; every policy gate forgets its cache. */
  @Put(':id/policy')
  @ApiResponse({ status: 200, description: 'The settings now in force', type: TenantPolicySettingsDto })
  @ApiResponse({ status: 400, description: 'A bad host, CIDR, port or tool name', type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  setPolicy(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
    @Body() body: TenantPolicyDto,
  ): Promise<TenantPolicyView> {
    const { reason, ...settings } = body;
    return this.commandBus.execute(
      new SetTenantPolicyCommand(
        principal,
        tenantId,
        settings,
        reason ?? 'tenant policy settings set by an operator',
        currentCorrelationId(),
      ),
    );
  }
}
