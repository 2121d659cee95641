import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  DeleteMcpServerCommand,
  ListMcpServersQuery,
  RefreshMcpServerCommand,
  RegisterMcpServerCommand,
  type McpServerView,
} from '#soma/tools';
import { type Principal } from '#soma/identity';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { TenantIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { mcpServerSpec, RegisterMcpServerDto } from './mcp-servers.dto.js';

/** A tenant's MCP servers (docs/mcp.md): operator admins only; credentials are sealed and never returned. */
@ApiTags('tenants')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, type: ErrorDto })
@ApiResponse({ status: 404, description: 'No such tenant (or MCP server)', type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('operator')
@Controller('v1/tenants/:id/mcp-servers')
export class McpServersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  /** The server is contacted, its tools listed and their schemas checked, before anything is stored. */
  @Post()
  @ApiResponse({ status: 201, description: 'Registered; its tools are granted to the tenant' })
  @ApiResponse({
    status: 400,
    description: 'A bad schema, name or credentials (the reason says which)',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 403,
    description: 'The URL resolves to an internal address (EGRESS_REFUSED)',
    type: ErrorDto,
  })
  @ApiResponse({ status: 409, type: ErrorDto })
  @ApiResponse({ status: 502, description: 'The server is down or answered badly', type: ErrorDto })
  @ApiResponse({ status: 504, type: ErrorDto })
  register(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
    @Body() body: RegisterMcpServerDto,
  ): Promise<McpServerView> {
    return this.commandBus.execute(new RegisterMcpServerCommand(tenantId, mcpServerSpec(body), principal));
  }

  @Get()
  @ApiResponse({ status: 200, description: "The tenant's MCP servers and their tools" })
  list(@Param('id', TenantIdPipe) tenantId: string): Promise<McpServerView[]> {
    return this.queryBus.execute(new ListMcpServersQuery(tenantId));
  }

  @Post(':name/refresh')
  @HttpCode(200)
  @ApiResponse({ status: 200, description: 'Listed again; new tools granted, tools gone revoked' })
  @ApiResponse({ status: 404, type: ErrorDto })
  refresh(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
    @Param('name') name: string,
  ): Promise<McpServerView> {
    return this.commandBus.execute(new RefreshMcpServerCommand(tenantId, name, principal));
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'Removed; its tools revoked' })
  @ApiResponse({ status: 404, type: ErrorDto })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TenantIdPipe) tenantId: string,
    @Param('name') name: string,
  ): Promise<void> {
    return this.commandBus.execute(new DeleteMcpServerCommand(tenantId, name, principal));
  }
}
