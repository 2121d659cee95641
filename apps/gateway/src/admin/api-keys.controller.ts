import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  CreateApiKeyCommand,
  IdentityError,
  ListApiKeysQuery,
  RevokeApiKeyCommand,
  type ApiKeySummary,
  type Principal,
} from '#soma/identity';
import { ApiPage, PageCursors, PageQueryDto, type PageResponse } from '../http/pagination/index.js';
import { AdminRoleGuard } from '../auth/admin-role.guard.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ErrorDto, ValidationErrorDto } from '../http/errors.dto.js';
import { ApiKeyDto, CreatedApiKeyDto, CreateApiKeyDto } from './api-keys.dto.js';

function toDto(key: ApiKeySummary): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

const keyIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => new IdentityError('API_KEY_NOT_FOUND', 'API key not found'),
});

/** API keys of the caller's tenant. Admin keys only. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@ApiResponse({ status: 403, description: 'A user key (ADMIN_ROLE_REQUIRED)', type: ErrorDto })
@UseGuards(ApiKeyGuard, AdminRoleGuard)
@Controller('v1/admin/api-keys')
export class ApiKeysController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is in this response only' })
  @ApiResponse({ status: 201, type: CreatedApiKeyDto })
  @ApiResponse({ status: 400, type: ValidationErrorDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    const created = await this.commandBus.execute(
      new CreateApiKeyCommand(principal.tenantId, body.name.trim(), body.role, principal),
    );
    return Object.assign(toDto(created), { key: created.key });
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's API keys (never the keys themselves)" })
  @ApiPage(ApiKeyDto, 'Newest first')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<PageResponse<ApiKeyDto>> {
    const scope = { list: 'api-keys', tenantId: principal.tenantId };
    const page = await this.queryBus.execute(
      new ListApiKeysQuery(principal.tenantId, this.cursors.request(query, scope)),
    );
    return this.cursors.response(page, scope, toDto);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key: its requests fail and its open streams end at once' })
  @ApiResponse({ status: 200, type: ApiKeyDto })
  @ApiResponse({ status: 404, description: 'No such key in this tenant', type: ErrorDto })
  @ApiResponse({
    status: 409,
    description: "The tenant's last active admin key (API_KEY_LAST_ADMIN): create another admin key first",
    type: ErrorDto,
  })
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', keyIdPipe) id: string,
  ): Promise<ApiKeyDto> {
    return toDto(await this.commandBus.execute(new RevokeApiKeyCommand(principal.tenantId, id, principal)));
  }
}
