import { context, diag, DiagLogLevel, ROOT_CONTEXT, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { type SomaConfig } from '../config/soma.config.js';

/** The tracing settings of SomaConfig (the standard OTEL_* variables, validated at boot). */
export type TracingConfig = Pick<
  SomaConfig,
  | 'otelSdkDisabled'
  | 'otelServiceName'
  | 'otelTracesExporter'
  | 'otlpEndpoint'
  | 'otlpTracesEndpoint'
  | 'otlpProtocol'
  | 'otlpTracesProtocol'
  | 'otelBspScheduleDelayMs'
>;

export interface Tracing {
  /** Where spans go, for the boot log line. */
  readonly destination: string;
  /** Sends what is buffered and stops (at shutdown). */
  shutdown(): Promise<void>;
}

/** Off unless an OTLP endpoint or an exporter is named: the OpenTelemetry API then stays a no-op. */
export function tracesExporterOf(config: TracingConfig): 'otlp' | 'console' | undefined {
  if (config.otelSdkDisabled || config.otelTracesExporter === 'none') return undefined;
  if (config.otelTracesExporter !== '') return config.otelTracesExporter;
  return config.otlpEndpoint !== undefined || config.otlpTracesEndpoint !== undefined ? 'otlp' : undefined;
}

/** The traces URL: the signal's own endpoint as given, or the base endpoint + v1/traces (the OTLP rule). */
export function otlpTracesUrl(config: TracingConfig): string {
  if (config.otlpTracesEndpoint !== undefined) return config.otlpTracesEndpoint;
  const base = config.otlpEndpoint ?? 'http://localhost:4318/';
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

/**
 * Starts the OpenTelemetry SDK for one app when tracing is configured: W3C trace context, AsyncLocalStorage
 * context, a batch processor to OTLP over HTTP (protobuf, or JSON). The app's name is its service name (one
 * environment runs several apps); the SDK's own problems go to the app's log, never to stdout.
 */
export function startTracing(
  app: { name: string; instanceId: string; version: string },
  config: TracingConfig,
  logger: { warn(message: unknown, context?: string): void },
): Tracing | undefined {
  const kind = tracesExporterOf(config);
  if (!kind) return undefined;
  const protocol = config.otlpTracesProtocol === '' ? config.otlpProtocol : config.otlpTracesProtocol;
  const url = otlpTracesUrl(config);
  const exporter: SpanExporter =
    kind === 'console'
      ? new ConsoleSpanExporter()
      : protocol === 'http/json'
        ? new OtlpJsonExporter({ url })
        : new OtlpProtoExporter({ url });
  // The SDK's own problems (an unreachable collector) go to the app's log, at most one line a minute: a
  // collector that is down must not flood the log nor stop anything (spans are dropped, turns go on).
  let quietUntil = 0;
  const report = (message: string) => {
    const now = Date.now();
    if (now < quietUntil) return;
    quietUntil = now + 60_000;
    // Outside of any trace: the export runs in the context of whichever span started its batch.
    context.with(ROOT_CONTEXT, () => {
      logger.warn({ msg: `opentelemetry: ${message}`, exporter: url }, 'Tracing');
    });
  };
  const diagLogger: DiagLogger = {
    error: report,
    warn: report,
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };
  diag.setLogger(diagLogger, DiagLogLevel.WARN);
  const provider = new NodeTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES adds to these; OTEL_SERVICE_NAME, when set, names the service.
    resource: detectResources({ detectors: [envDetector] }).merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.otelServiceName ?? `soma-${app.name}`,
        [ATTR_SERVICE_VERSION]: app.version,
        'service.namespace': 'soma',
        'service.instance.id': app.instanceId,
      }),
    ),
    spanProcessors: [
      new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.otelBspScheduleDelayMs }),
    ],
  });
  provider.register();
  return {
    destination: kind === 'console' ? 'console' : `${url} (${protocol})`,
    shutdown: () => provider.shutdown(),
  };
}
