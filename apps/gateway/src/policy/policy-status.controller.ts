import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { GetPolicyStatusQuery, type PolicyStatus } from '#soma/tools';
import { AdminRoleGuard } from '../auth/admin-role.guard.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ErrorDto, ValidationErrorDto } from '../http/errors.dto.js';
import { PolicyStatusDto, PolicyStatusQueryDto } from './policy-status.dto.js';

/** Policy at a glance for admins: engine health, mode, the latest decisions and the denials by rule. */
@ApiTags('policy')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@ApiResponse({ status: 403, description: 'A user key (ADMIN_ROLE_REQUIRED)', type: ErrorDto })
@UseGuards(ApiKeyGuard, AdminRoleGuard)
@Controller('v1/policy')
export class PolicyStatusController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('status')
  @ApiOperation({
    summary:
      "OPA and OpenFGA health, the mode, and the tenant's recent decisions (the operator's: all tenants')",
  })
  @ApiResponse({ status: 200, type: PolicyStatusDto })
  @ApiResponse({ status: 400, type: ValidationErrorDto })
  get(@CurrentPrincipal() principal: Principal, @Query() query: PolicyStatusQueryDto): Promise<PolicyStatus> {
    return this.queryBus.execute(
      new GetPolicyStatusQuery(
        principal.tenantId,
        principal.operator,
        query.limit ?? 50,
        query.windowHours ?? 24,
      ),
    );
  }
}
