import { Module } from '@nestjs/common';
import { GetDashboardHandler } from './queries/get-dashboard/get-dashboard.handler.js';
import { PrometheusClient } from './prometheus.client.js';

const queryHandlers = [GetDashboardHandler];

/** The dashboard's data, read from Prometheus (docs/operations.md, Dashboards). */
@Module({ providers: [PrometheusClient, ...queryHandlers] })
export class ObservabilityModule {}
