import { Injectable } from '@nestjs/common';
import { SomaConfig } from '../config/soma.config.js';
import { ObservabilityError } from './observability.errors.js';

export interface RangeSeries {
  labels: Record<string, string>;
  /** [unix seconds, value]; NaN and ±Inf (an empty quantile) are null. */
  points: [number, number | null][];
}

interface RangeAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; values?: [number, string][] }[] };
}

const QUERY_TIMEOUT_MS = 5000;

/** Prometheus's HTTP query API (SOMA_PROMETHEUS_URL), for range queries of the dashboard. */
@Injectable()
export class PrometheusClient {
  constructor(private readonly config: SomaConfig) {}

  async queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<RangeSeries[]> {
    const body = new URLSearchParams({
      query: expr,
      start: String(start),
      end: String(end),
      step: String(stepSeconds),
    });
    let response: Response;
    try {
      response = await fetch(`${this.config.prometheusUrl}/api/v1/query_range`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ObservabilityError(
        'METRICS_UNAVAILABLE',
        `Prometheus at ${this.config.prometheusUrl} did not answer: ${String(error)}`,
        { cause: error },
      );
    }
    const answer = (await response.json().catch(() => ({}))) as RangeAnswer;
    if (!response.ok || answer.status !== 'success' || answer.data?.resultType !== 'matrix')
      throw new ObservabilityError(
        'METRICS_QUERY_FAILED',
        `Prometheus refused ${expr}: HTTP ${response.status} ${answer.error ?? ''}`.trim(),
      );
    return (answer.data.result ?? []).map((series) => ({
      labels: series.metric ?? {},
      points: (series.values ?? []).map(([time, value]) => {
        const number = Number(value);
        return [time, Number.isFinite(number) ? number : null];
      }),
    }));
  }
}
