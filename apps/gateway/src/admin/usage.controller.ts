import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetUsageQuery } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ApiBadPage, PageCursors } from '../http/pagination/index.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { UsageQueryDto, UsageReportDto } from './usage.dto.js';

/** Token usage of the caller's tenant, from the ledger: today against the budget, and per session. */
@ApiTags('usage')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/usage')
export class UsageController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get()
  @ApiOkResponse({ type: UsageReportDto })
  @ApiBadPage()
  @ApiResponse({ status: 404, description: 'sessionId is not a session id', type: ErrorDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Query() query: UsageQueryDto,
  ): Promise<UsageReportDto> {
    const session = query.sessionId === undefined ? null : SessionIdPipe.transform(query.sessionId);
    const scope = { list: 'usage', tenantId: principal.tenantId, parentId: session ?? '' };
    const request = this.cursors.request(query, scope);
    const report = await this.queryBus.execute(new GetUsageQuery(principal.tenantId, session, request));
    return { ...report, ...this.cursors.response(report, scope, (s) => s) };
  }
}
