import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DASHBOARD_PANELS, seriesName } from '../../dashboard.panels.js';
import { PrometheusClient } from '../../prometheus.client.js';
import { dashboardWindow, onAxis, type Dashboard, type DashboardPanel } from './dashboard.view.js';
import { GetDashboardQuery } from './get-dashboard.query.js';

@QueryHandler(GetDashboardQuery)
export class GetDashboardHandler implements IQueryHandler<GetDashboardQuery, Dashboard> {
  constructor(private readonly prometheus: PrometheusClient) {}

  async execute({ minutes, now }: GetDashboardQuery): Promise<Dashboard> {
    const { start, end, step } = dashboardWindow(minutes, now);
    const timestamps: number[] = [];
    for (let time = start; time <= end; time += step) timestamps.push(time);
    const panels = await Promise.all(
      DASHBOARD_PANELS.map(async (panel): Promise<DashboardPanel> => {
        const answers = await Promise.all(
          panel.series.map(async ({ expr, legend }) =>
            (await this.prometheus.queryRange(expr, start, end, step)).map((series) => ({
              name: seriesName(legend, series.labels) || legend,
              values: onAxis(timestamps, series.points),
            })),
          ),
        );
        const { id, title, description, unit } = panel;
        return { id, title, description, unit, series: answers.flat() };
      }),
    );
    return { start, end, stepSeconds: step, timestamps, panels };
  }
}
