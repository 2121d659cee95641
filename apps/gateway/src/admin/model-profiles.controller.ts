import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  DeleteModelProfileCommand,
  GetModelProfileQuery,
  ListModelProfilesQuery,
  SaveModelProfileCommand,
} from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { type ModelProfileEntity } from '#soma/persistence';
import { ApiPage, PageCursors, PageQueryDto, type PageResponse } from '../http/pagination/index.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ModelProfileIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { CreateModelProfileDto, ModelProfileDto, UpdateModelProfileDto } from './model-profiles.dto.js';

const toDto = (p: ModelProfileEntity): ModelProfileDto => ({
  id: p.id,
  name: p.name,
  provider: p.provider,
  model: p.model,
  baseUrl: p.baseUrl,
  apiKeyEnv: p.apiKeyEnv,
  temperature: p.temperature,
  topP: p.topP,
  maxTokens: p.maxTokens,
  contextWindow: p.contextWindow,
  systemPrompt: p.systemPrompt,
  inputCostPer1k: p.inputCostPer1k,
  outputCostPer1k: p.outputCostPer1k,
  tools: p.tools,
  toolChoice: p.toolChoice,
  isDefault: p.isDefault,
  updatedAt: p.updatedAt.toISOString(),
});

/** Model profiles: anyone may list them to pick one; operators create, edit and delete them. */
@ApiTags('model profiles')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Controller('v1/model-profiles')
export class ModelProfilesController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get()
  @ApiPage(ModelProfileDto, 'The default first, then by name')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<PageResponse<ModelProfileDto>> {
    const scope = { list: 'model-profiles', tenantId: principal.tenantId };
    const page = await this.queryBus.execute(new ListModelProfilesQuery(this.cursors.request(query, scope)));
    return this.cursors.response(page, scope, toDto);
  }

  // One path parameter name for the three routes of this path: one path in the OpenAPI document, one Allow.
  @Get(':id')
  @ApiParam({ name: 'id', description: 'The profile id or its name' })
  @ApiResponse({ status: 200, type: ModelProfileDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  async get(@Param('id') idOrName: string): Promise<ModelProfileDto> {
    return toDto(await this.queryBus.execute(new GetModelProfileQuery(idOrName)));
  }

  @Post()
  @Requires('operator')
  @ApiResponse({ status: 201, type: ModelProfileDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 403, type: ErrorDto })
  @ApiResponse({ status: 409, description: 'Name taken', type: ErrorDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateModelProfileDto,
  ): Promise<ModelProfileDto> {
    return toDto(await this.commandBus.execute(new SaveModelProfileCommand(null, body, principal)));
  }

  @Patch(':id')
  @Requires('operator')
  @ApiResponse({ status: 200, type: ModelProfileDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 403, type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ModelProfileIdPipe) id: string,
    @Body() body: UpdateModelProfileDto,
  ): Promise<ModelProfileDto> {
    return toDto(await this.commandBus.execute(new SaveModelProfileCommand(id, body, principal)));
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('operator')
  @ApiResponse({ status: 204 })
  @ApiResponse({ status: 403, type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({ status: 409, description: 'Default or used by sessions', type: ErrorDto })
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ModelProfileIdPipe) id: string,
  ): Promise<void> {
    await this.commandBus.execute(new DeleteModelProfileCommand(id, principal));
  }
}
