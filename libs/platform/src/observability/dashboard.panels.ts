/**
 * The platform's dashboard: one list of panels, read by the gateway (the console's Observability page) and by the
 * Grafana dashboard generator (deploy/grafana). A panel is a few PromQL expressions over the apps' own metrics;
 * `legend` names each series from its labels (`{{label}}`), as Grafana does.
 */
export type PanelUnit = 'per_second' | 'seconds' | 'count';

export interface PanelSeries {
  expr: string;
  legend: string;
}

export interface PanelDefinition {
  id: string;
  title: string;
  description: string;
  unit: PanelUnit;
  series: readonly PanelSeries[];
}

/** Rates and quantiles over this window: four scrapes at the 5 s interval of scripts/prometheus. */
const WINDOW = '1m';

const quantiles = (metric: string, by: string[] = []): PanelSeries[] =>
  [0.5, 0.95].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (rate(${metric}_bucket[${WINDOW}])))`,
    legend: [`p${q * 100}`, ...by.map((label) => `{{${label}}}`)].join(' '),
  }));

export const DASHBOARD_PANELS: readonly PanelDefinition[] = [
  {
    id: 'turns',
    title: 'Turns',
    description: 'Turns finished per second, by result (conversation workers)',
    unit: 'per_second',
    series: [
      { expr: `sum by (result) (rate(conversation_requests_total[${WINDOW}]))`, legend: '{{result}}' },
    ],
  },
  {
    id: 'turn-latency',
    title: 'Turn latency',
    description: 'Turn duration from claim to its terminal event',
    unit: 'seconds',
    series: quantiles('conversation_latency_seconds'),
  },
  {
    id: 'time-to-first-token',
    title: 'Time to first token',
    description: 'From generation start to the first token',
    unit: 'seconds',
    series: quantiles('conversation_time_to_first_token_seconds'),
  },
  {
    id: 'tokens-per-second',
    title: 'Tokens per second',
    description: 'Completion tokens generated per second, by model profile',
    unit: 'per_second',
    series: [
      { expr: `sum by (profile) (rate(llm_tokens_generated_total[${WINDOW}]))`, legend: '{{profile}}' },
    ],
  },
  {
    id: 'tool-executions',
    title: 'Tool executions',
    description: 'Tool calls handled per second, by tool and status',
    unit: 'per_second',
    series: [
      {
        expr: `sum by (tool, status) (rate(tool_executions_total[${WINDOW}]))`,
        legend: '{{tool}} {{status}}',
      },
    ],
  },
  {
    id: 'tool-duration',
    title: 'Tool duration',
    description: 'Tool runs (validation, policy and the run itself), by tool',
    unit: 'seconds',
    series: quantiles('tool_execution_duration_seconds', ['tool']),
  },
  {
    id: 'policy-decisions',
    title: 'Policy decisions',
    description: 'Decisions per second by engine (opa, openfga, gate) and outcome',
    unit: 'per_second',
    series: [
      {
        expr: `sum by (engine, decision) (rate(policy_decisions_total[${WINDOW}]))`,
        legend: '{{engine}} {{decision}}',
      },
    ],
  },
  {
    id: 'policy-duration',
    title: 'Policy decision duration',
    description: 'Decision latency by engine (gate: both engines, or a cache hit)',
    unit: 'seconds',
    series: quantiles('policy_decision_duration_seconds', ['engine']),
  },
  {
    id: 'requeue-items',
    title: 'Requeue items',
    description: 'Blocked tool calls by status (every requeue instance reports the same table: the largest)',
    unit: 'count',
    series: [{ expr: 'max by (status) (requeue_items)', legend: '{{status}}' }],
  },
  {
    id: 'stream-resumes',
    title: 'Stream resumes',
    description: 'Client streams resumed from a seq per second (gateways)',
    unit: 'per_second',
    series: [{ expr: `sum(rate(gateway_stream_resumes_total[${WINDOW}]))`, legend: 'resumes' }],
  },
  {
    id: 'slm-latency',
    title: 'SLM classification latency',
    description: 'Intent and sentiment classification before a turn',
    unit: 'seconds',
    series: quantiles('slm_intent_duration_seconds'),
  },
];

/** A series' name from its labels: `{{label}}` replaced by the label's value (empty when absent). */
export function seriesName(legend: string, labels: Readonly<Record<string, string>>): string {
  return legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => labels[label] ?? '').trim();
}
