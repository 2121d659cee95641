import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_PANELS, seriesName } from './dashboard.panels.js';
import { buildGrafanaDashboard } from './grafana-dashboard.js';

const committed = new URL('../../../../deploy/grafana/soma-dashboard.json', import.meta.url);

interface GrafanaPanel {
  title: string;
  targets: { refId: string; expr: string }[];
}

describe('the Grafana dashboard', () => {
  it('deploy/grafana/soma-dashboard.json is what the panels generate (run `npm run grafana` after changing them)', () => {
    expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(buildGrafanaDashboard());
  });

  it('has every panel of the console, each query once, with distinct ref ids', () => {
    const panels = buildGrafanaDashboard().panels as GrafanaPanel[];
    expect(panels.map((p) => p.title)).toEqual(DASHBOARD_PANELS.map((p) => p.title));
    for (const [i, panel] of panels.entries()) {
      expect(panel.targets.map((t) => t.expr)).toEqual(DASHBOARD_PANELS[i]?.series.map((s) => s.expr));
      expect(new Set(panel.targets.map((t) => t.refId)).size).toBe(panel.targets.length);
    }
  });
});

describe('series names', () => {
  it('fill {{label}} from the labels, leave absent ones empty', () => {
    expect(seriesName('{{tool}} {{status}}', { tool: 'code.execute', status: 'ok' })).toBe('code.execute ok');
    expect(seriesName('p95 {{engine}}', {})).toBe('p95');
  });

  it('panel ids are unique: the console and its tests find panels by them', () => {
    expect(new Set(DASHBOARD_PANELS.map((p) => p.id)).size).toBe(DASHBOARD_PANELS.length);
  });
});
