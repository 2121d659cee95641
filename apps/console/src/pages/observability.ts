import uPlot from 'uplot';
import { api, query, type Dashboard } from '../api.js';
import { type PageContext } from '../context.js';
import { act, h, labelled, replace } from '../dom.js';
import { errorAlert, refusal } from '../errors.js';

type Panel = Dashboard['panels'][number];

const WINDOWS: [number, string][] = [
  [15, 'Last 15 minutes'],
  [60, 'Last hour'],
  [360, 'Last 6 hours'],
  [1440, 'Last 24 hours'],
];
const REFRESH_MS = 15_000;
const COUNT_TICKS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 100_000];
const COLOURS = ['#2a5bd7', '#d7632a', '#2a9d5b', '#b42318', '#7a4fd0', '#c29200', '#1b8a9e', '#5b6472'];

function formatValue(unit: Panel['unit'], value: number | null): string {
  if (value === null) return '—';
  switch (unit) {
    case 'seconds':
      return value < 1 ? `${(value * 1000).toPrecision(3)} ms` : `${value.toPrecision(3)} s`;
    case 'per_second':
      return `${value.toPrecision(3)}/s`;
    case 'count':
      return String(Math.round(value));
  }
}

/** What the chart shows, in words: the test and a screen reader read this, not the canvas. */
function summary(panel: Panel): string {
  const points = panel.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
  if (points === 0) return 'No data in this window';
  const latest = panel.series
    .map((s) => {
      const last = [...s.values].reverse().find((v) => v !== null) ?? null;
      return `${s.name} ${formatValue(panel.unit, last)}`;
    })
    .join(', ');
  return `${panel.series.length} series, ${points} points; latest: ${latest}`;
}

function chart(dashboard: Dashboard, panel: Panel): HTMLElement {
  const target = h('div', { class: 'chart' });
  const data: uPlot.AlignedData = [dashboard.timestamps, ...panel.series.map((s) => s.values)];
  const plot = new uPlot(
    {
      width: 520,
      height: 200,
      legend: { show: true },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {},
        {
          size: 70,
          values: (_u, ticks) => ticks.map((tick) => formatValue(panel.unit, tick)),
          // Counts are whole numbers: no 0.2 ticks that would all print as 0 or 1.
          ...(panel.unit === 'count' ? { incrs: COUNT_TICKS } : {}),
        },
      ],
      series: [
        {},
        ...panel.series.map((s, i) => ({
          label: s.name,
          stroke: COLOURS[i % COLOURS.length],
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, value: number | null) => formatValue(panel.unit, value),
        })),
      ],
    },
    data,
    target,
  );
  target.dataset.series = String(plot.series.length - 1);
  return h(
    'figure',
    { class: 'panel', 'aria-label': `${panel.title} chart` },
    h('figcaption', {}, h('strong', {}, panel.title), h('small', {}, panel.description)),
    target,
    h('p', { class: 'panel-summary', 'aria-label': `${panel.title} data` }, summary(panel)),
  );
}

/** Time series of the whole platform from Prometheus (through the gateway; the operator's admin keys only). */
export function observabilityPage(context: PageContext): HTMLElement {
  const heading = h('h1', { tabindex: -1 }, 'Observability');
  if (context.me.role !== 'admin' || !context.me.operator) {
    return h(
      'section',
      {},
      heading,
      refusal('Observability', 'an admin key of the operator tenant', context.me.role, 'OPERATOR_REQUIRED'),
    );
  }
  const chosen = Number(context.search.get('minutes') ?? '15');
  const select = h(
    'select',
    { name: 'minutes' },
    WINDOWS.map(([minutes, label]) => h('option', { value: minutes, selected: minutes === chosen }, label)),
  );
  const body = h('div', { class: 'panels', 'aria-busy': 'true' }, h('p', {}, 'Loading the dashboard…'));
  const updated = h('p', { class: 'updated', 'aria-live': 'polite' });
  const load = async (): Promise<void> => {
    body.setAttribute('aria-busy', 'true');
    try {
      const dashboard = await api<Dashboard>(
        'GET',
        `/v1/observability/dashboard${query({ minutes: select.value })}`,
      );
      replace(
        body,
        dashboard.panels.map((panel) => chart(dashboard, panel)),
      );
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}, a point every ${dashboard.stepSeconds} s`;
    } catch (error) {
      replace(body, errorAlert(error, 'Dashboard'));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  };
  select.addEventListener('change', act(load));
  const timer = setInterval(act(load), REFRESH_MS);
  context.signal.addEventListener('abort', () => {
    clearInterval(timer);
  });
  void load();
  return h(
    'section',
    {},
    heading,
    h(
      'div',
      { class: 'filters' },
      labelled('Window', select),
      h('button', { type: 'button', onclick: act(load) }, 'Refresh'),
      updated,
    ),
    body,
  );
}
