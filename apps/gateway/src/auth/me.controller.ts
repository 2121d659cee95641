import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { ErrorDto } from '../http/errors.dto.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { CurrentPrincipal } from './principal.decorator.js';

export class PrincipalDto {
  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null: the bootstrap key' })
  keyId!: string | null;

  @ApiProperty({ enum: ['admin', 'user'] })
  role!: 'admin' | 'user';

  @ApiProperty({
    description: 'An admin of the operator tenant: manages tenants, budgets and model profiles',
  })
  operator!: boolean;
}

/** Who the key is: what a console or the CLI shows and which pages it offers. */
@ApiTags('auth')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/me')
export class MeController {
  @Get()
  @ApiOperation({ summary: 'The tenant, key and role of the calling API key' })
  @ApiResponse({ status: 200, type: PrincipalDto })
  get(@CurrentPrincipal() principal: Principal): PrincipalDto {
    return {
      tenantId: principal.tenantId,
      keyId: principal.keyId,
      role: principal.role,
      operator: principal.operator,
    };
  }
}
