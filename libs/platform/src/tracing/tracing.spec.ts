import { describe, expect, it } from 'vitest';
import { otlpTracesUrl, tracesExporterOf, type TracingConfig } from './tracing.js';

const off: TracingConfig = {
  otelSdkDisabled: false,
  otelServiceName: undefined,
  otelTracesExporter: '',
  otlpEndpoint: undefined,
  otlpTracesEndpoint: undefined,
  otlpProtocol: 'http/protobuf',
  otlpTracesProtocol: '',
  otelBspScheduleDelayMs: 5000,
};

describe('tracing configuration', () => {
  it('is off without an endpoint or an exporter, and when the SDK is disabled', () => {
    expect(tracesExporterOf(off)).toBeUndefined();
    expect(tracesExporterOf({ ...off, otlpEndpoint: 'http://127.0.0.1:4318/' })).toBe('otlp');
    expect(tracesExporterOf({ ...off, otlpTracesEndpoint: 'http://c/v1/traces' })).toBe('otlp');
    expect(tracesExporterOf({ ...off, otelTracesExporter: 'console' })).toBe('console');
    expect(
      tracesExporterOf({ ...off, otlpEndpoint: 'http://127.0.0.1:4318/', otelSdkDisabled: true }),
    ).toBeUndefined();
    expect(
      tracesExporterOf({ ...off, otlpEndpoint: 'http://127.0.0.1:4318/', otelTracesExporter: 'none' }),
    ).toBeUndefined();
  });

  it('sends to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(otlpTracesUrl({ ...off, otlpEndpoint: 'http://127.0.0.1:4318/' })).toBe(
      'http://127.0.0.1:4318/v1/traces',
    );
    expect(otlpTracesUrl({ ...off, otlpEndpoint: 'http://collector:4318/base' })).toBe(
      'http://collector:4318/base/v1/traces',
    );
    expect(
      otlpTracesUrl({ ...off, otlpEndpoint: 'http://a:4318/', otlpTracesEndpoint: 'http://b:9/traces' }),
    ).toBe('http://b:9/traces');
  });
});
