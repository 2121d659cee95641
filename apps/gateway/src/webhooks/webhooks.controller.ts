import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import {
  DeleteWebhookCommand,
  ListWebhookDeliveriesQuery,
  ListWebhooksQuery,
  RegisterWebhookCommand,
  type CreatedWebhookView,
  type WebhookDeliveryView,
  type WebhookView,
} from '#soma/webhooks';
import { ApiPage, PageCursors, PageQueryDto, type PageResponse } from '../http/pagination/index.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ErrorDto } from '../http/errors.dto.js';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  WebhookDeliveryDto,
  WebhookDto,
  WebhookIdPipe,
} from './webhooks.dto.js';

/** The tenant's webhook endpoints and their deliveries. Admin keys of the tenant only. */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, description: 'A user key (ADMIN_ROLE_REQUIRED)', type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('admin')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register an endpoint; its signing secret is in this response only' })
  @ApiResponse({ status: 201, type: CreatedWebhookDto })
  @ApiResponse({
    status: 400,
    description:
      'VALIDATION_FAILED (fields named), or WEBHOOK_URL_NOT_ALLOWED / WEBHOOK_URL_UNRESOLVABLE / ' +
      'WEBHOOK_URL_INVALID with field "url" (an internal address, a name that does not resolve)',
    type: ErrorDto,
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateWebhookDto,
  ): Promise<CreatedWebhookView> {
    return this.commandBus.execute(
      new RegisterWebhookCommand(
        principal.tenantId,
        body.url,
        body.eventTypes,
        body.description ?? null,
        principal,
      ),
    );
  }

  @Get()
  @ApiOperation({ summary: "The tenant's endpoints, newest first (never their secrets)" })
  @ApiPage(WebhookDto)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<PageResponse<WebhookView>> {
    const scope = { list: 'webhooks', tenantId: principal.tenantId };
    const page = await this.queryBus.execute(
      new ListWebhooksQuery(principal.tenantId, this.cursors.request(query, scope)),
    );
    return this.cursors.response(page, scope, (webhook) => webhook);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an endpoint: nothing more is sent to it; pending deliveries are cancelled',
  })
  @ApiResponse({ status: 204 })
  @ApiResponse({ status: 404, description: 'No such webhook in this tenant', type: ErrorDto })
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', WebhookIdPipe) id: string,
  ): Promise<void> {
    await this.commandBus.execute(new DeleteWebhookCommand(principal.tenantId, id, principal));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "An endpoint's deliveries, newest first: status, attempts, last response code" })
  @ApiPage(WebhookDeliveryDto)
  @ApiResponse({ status: 404, description: 'No such webhook in this tenant', type: ErrorDto })
  async deliveries(
    @CurrentPrincipal() principal: Principal,
    @Param('id', WebhookIdPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<PageResponse<WebhookDeliveryView>> {
    const scope = { list: 'webhook-deliveries', tenantId: principal.tenantId, parentId: id };
    const page = await this.queryBus.execute(
      new ListWebhookDeliveriesQuery(principal.tenantId, id, this.cursors.request(query, scope)),
    );
    return this.cursors.response(page, scope, (delivery) => delivery);
  }
}
