import { DASHBOARD_PANELS, type PanelUnit } from './dashboard.panels.js';

const GRAFANA_UNIT: Record<PanelUnit, string> = { seconds: 's', per_second: 'ops', count: 'short' };

/**
 * The console's dashboard as a Grafana dashboard (JSON model, schema 39): the same panels and queries, with a
 * Prometheus data source chosen on import. deploy/grafana/soma-dashboard.json is this, written by `npm run grafana`.
 */
export function buildGrafanaDashboard(): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    title: 'SomaAgent',
    uid: 'soma-agent',
    description:
      'Turns, tokens, tools, policy, requeue and streams of a SomaAgent platform (docs/operations.md)',
    tags: ['soma'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus' }],
    },
    panels: DASHBOARD_PANELS.map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      description: panel.description,
      datasource,
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: { unit: GRAFANA_UNIT[panel.unit] }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: panel.series.map((series, i) => ({
        refId: String.fromCharCode(65 + i),
        datasource,
        expr: series.expr,
        legendFormat: series.legend,
      })),
    })),
  };
}
