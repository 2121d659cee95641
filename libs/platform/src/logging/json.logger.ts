import { type LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { activeTraceIds } from '../tracing/spans.js';

/** Correlation context carried through HTTP requests and Kafka handlers. */
export const correlationStore = new AsyncLocalStorage<{ correlationId: string }>();

/** The correlation id of the request or message being handled, or a new one outside of any. */
export const currentCorrelationId = (): string => correlationStore.getStore()?.correlationId ?? randomUUID();

const order: Record<string, number> = {
  debug: 10,
  verbose: 10,
  log: 20,
  info: 20,
  warn: 30,
  error: 40,
  fatal: 50,
};

/** Structured JSON logs, one line each, with the app name, the correlation id and the trace and span ids. */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    private readonly app: string,
    level: 'debug' | 'info' | 'warn' | 'error' = 'info',
  ) {
    this.threshold = order[level] ?? 20;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  setLogLevels(): void {
    // The level comes from SOMA_LOG_LEVEL; Nest's own setting is ignored on purpose.
  }

  private write(level: string, message: unknown, rest: unknown[]): void {
    if ((order[level] ?? 20) < this.threshold) return;
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      app: this.app,
      context,
      correlationId: correlationStore.getStore()?.correlationId,
      // The trace of the request or message being handled (absent outside of any, or with tracing off).
      ...activeTraceIds(),
    };
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, message);
    } else {
      entry.msg = String(message);
    }
    const stack = rest.find((item): item is string => typeof item === 'string' && item.includes('\n    at '));
    if (stack) entry.stack = stack;
    const line = JSON.stringify(entry);
    if (level === 'error' || level === 'fatal') process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }
}
