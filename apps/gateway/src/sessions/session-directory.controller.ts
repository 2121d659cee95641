import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetSessionQuery, ListSessionsQuery } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { type SessionEntity } from '#soma/persistence';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ErrorDto } from '../http/errors.dto.js';
import { ApiPage, PageCursors, type PageResponse } from '../http/pagination/index.js';
import { ListSessionsQueryDto, SessionDto } from './session-directory.dto.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';

const toDto = (session: SessionEntity): SessionDto => ({
  id: session.id,
  title: session.title,
  modelProfileId: session.modelProfileId,
  replay:
    session.replaySourceSessionId === null || session.replayToolResults === null
      ? null
      : { sourceSessionId: session.replaySourceSessionId, toolResults: session.replayToolResults },
  createdAt: session.createdAt.toISOString(),
});

/** Reading sessions: always within the caller's tenant; another tenant's session is 404. */
@ApiTags('sessions')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/sessions')
export class SessionDirectoryController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get()
  @ApiOperation({ summary: "List the tenant's sessions, newest first, optionally filtered" })
  @ApiPage(SessionDto)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListSessionsQueryDto,
  ): Promise<PageResponse<SessionDto>> {
    const scope = { list: 'sessions', tenantId: principal.tenantId };
    const page = await this.queryBus.execute(
      new ListSessionsQuery(principal.tenantId, this.cursors.request(query, scope), {
        title: query.title,
        modelProfileId: query.modelProfileId,
        createdAfter: query.createdAfter === undefined ? undefined : new Date(query.createdAfter),
        createdBefore: query.createdBefore === undefined ? undefined : new Date(query.createdBefore),
      }),
    );
    return this.cursors.response(page, scope, toDto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one session' })
  @ApiResponse({ status: 200, type: SessionDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
  ): Promise<SessionDto> {
    return toDto(await this.queryBus.execute(new GetSessionQuery(principal.tenantId, sessionId)));
  }
}
