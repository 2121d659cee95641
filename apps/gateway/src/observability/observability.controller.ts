import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetDashboardQuery, type Dashboard } from '#soma/platform';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ErrorDto, ValidationErrorDto } from '../http/errors.dto.js';
import { DashboardDto, DashboardQueryDto } from './observability.dto.js';

/**
 * The platform's dashboard (the console's Observability page) from Prometheus. The operator's only: the metrics
 * are the whole platform's, labelled with every tenant's tool and profile names.
 */
@ApiTags('observability')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@ApiResponse({ status: 403, description: 'Not an admin key of the operator tenant', type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('operator')
@Controller('v1/observability')
export class ObservabilityController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('dashboard')
  @ApiOperation({ summary: 'Every panel of the dashboard over the last minutes, on one time axis' })
  @ApiResponse({ status: 200, type: DashboardDto })
  @ApiResponse({ status: 400, type: ValidationErrorDto })
  @ApiResponse({
    status: 502,
    description: 'Prometheus refused a query (METRICS_QUERY_FAILED)',
    type: ErrorDto,
  })
  @ApiResponse({ status: 503, description: 'Prometheus unreachable (METRICS_UNAVAILABLE)', type: ErrorDto })
  dashboard(@Query() query: DashboardQueryDto): Promise<Dashboard> {
    return this.queryBus.execute(new GetDashboardQuery(query.minutes ?? 30, Date.now() / 1000));
  }
}
