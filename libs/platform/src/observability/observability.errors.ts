export type ObservabilityErrorCode = 'METRICS_UNAVAILABLE' | 'METRICS_QUERY_FAILED';

/** Prometheus could not be reached (METRICS_UNAVAILABLE) or refused a query (METRICS_QUERY_FAILED). */
export class ObservabilityError extends Error {
  constructor(
    readonly code: ObservabilityErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ObservabilityError';
  }
}
