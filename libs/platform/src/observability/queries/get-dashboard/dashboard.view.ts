import { type PanelUnit } from '../../dashboard.panels.js';

/** One time axis for every panel, so a chart library draws the values as they are (null: no sample). */
export interface Dashboard {
  start: number;
  end: number;
  stepSeconds: number;
  timestamps: number[];
  panels: DashboardPanel[];
}

export interface DashboardPanel {
  id: string;
  title: string;
  description: string;
  unit: PanelUnit;
  series: { name: string; values: (number | null)[] }[];
}

/** About 120 points per chart, never finer than the 5 s scrape interval; start and end on the step's grid. */
export function dashboardWindow(minutes: number, now: number): { start: number; end: number; step: number } {
  const step = Math.max(5, Math.ceil((minutes * 60) / 120 / 5) * 5);
  const end = Math.floor(now / step) * step;
  return { start: end - minutes * 60, end, step };
}

/** Points placed on the window's time axis; timestamps Prometheus left out stay null. */
export function onAxis(
  timestamps: readonly number[],
  points: readonly [number, number | null][],
): (number | null)[] {
  const byTime = new Map(points.map(([time, value]) => [Math.round(time), value]));
  return timestamps.map((time) => byTime.get(time) ?? null);
}
