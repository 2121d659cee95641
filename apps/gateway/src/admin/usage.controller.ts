import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetUsageQuery, type UsageReport } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';

/** Token usage of the caller's tenant, from the ledger: today against the budget, and per session. */
@ApiTags('usage')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiQuery({ name: 'sessionId', required: false })
  @ApiResponse({
    status: 200,
    description: 'Usage report (tenantId, day, limits, usedToday, total, sessions[])',
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Query('sessionId') sessionId: string | undefined,
  ): Promise<UsageReport> {
    const session = sessionId === undefined ? null : SessionIdPipe.transform(sessionId);
    return this.queryBus.execute(new GetUsageQuery(principal.tenantId, session));
  }
}
