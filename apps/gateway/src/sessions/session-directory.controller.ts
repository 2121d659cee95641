import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetSessionQuery, ListSessionsQuery } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { type SessionEntity } from '#soma/persistence';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ErrorDto, ValidationErrorDto } from '../http/errors.dto.js';
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
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({ summary: "List the tenant's sessions, newest first, optionally filtered" })
  @ApiResponse({ status: 200, type: [SessionDto] })
  @ApiResponse({ status: 400, type: ValidationErrorDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListSessionsQueryDto,
  ): Promise<SessionDto[]> {
    const sessions = await this.queryBus.execute(
      new ListSessionsQuery(principal.tenantId, query.limit ?? 50, query.offset ?? 0, {
        title: query.title,
        modelProfileId: query.modelProfileId,
        createdAfter: query.createdAfter,
        createdBefore: query.createdBefore,
      }),
    );
    return sessions.map(toDto);
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
