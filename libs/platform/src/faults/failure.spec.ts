import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { PermanentMessageError } from '../kafka/kafka-handler.contract.js';
import { classifyFailure, dispositionOf, persist, type FailureCode } from './failure.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const pgError = (code: string, message: string) => {
  const error = new DatabaseError(message, 0, 'error');
  error.code = code;
  return new QueryFailedError('SELECT 1', [], error);
};

describe('the failure mapper', () => {
  const cases: [string, unknown, FailureCode][] = [
    [
      'PostgreSQL shutting down (57P01)',
      pgError('57P01', 'terminating connection due to administrator command'),
      'DATABASE_UNAVAILABLE',
    ],
    [
      'PostgreSQL refusing connections',
      withCode('connect ECONNREFUSED 127.0.0.1:15432', 'ECONNREFUSED'),
      'DEPENDENCY_UNAVAILABLE',
    ],
    ['a dropped pg connection', new Error('Connection terminated unexpectedly'), 'DATABASE_UNAVAILABLE'],
    ['a serialization conflict', pgError('40001', 'could not serialize access'), 'DATABASE_CONFLICT'],
    ['a deadlock', pgError('40P01', 'deadlock detected'), 'DATABASE_CONFLICT'],
    [
      'Redis gone (ioredis)',
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
      'REDIS_UNAVAILABLE',
    ],
    ['Redis connection closed', new Error('Connection is closed.'), 'REDIS_UNAVAILABLE'],
    [
      'a Kafka broker down',
      Object.assign(new Error('Connection error: ECONNREFUSED'), {
        name: 'KafkaJSConnectionError',
        retriable: true,
      }),
      'KAFKA_UNAVAILABLE',
    ],
    [
      'an engine unreachable (fetch)',
      new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
      'DEPENDENCY_UNAVAILABLE',
    ],
    [
      'a timeout',
      Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }),
      'TIMEOUT',
    ],
    ['a unique violation (a bug, not an outage)', pgError('23505', 'duplicate key value'), 'HANDLER_FAILED'],
    [
      'a TypeError in a handler',
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      'HANDLER_FAILED',
    ],
    [
      'a business rule that never passes',
      new PermanentMessageError('SESSION_NOT_FOUND', 'no such session'),
      'PERMANENT',
    ],
  ];

  it.each(cases)('%s', (_, error, code) => {
    expect(classifyFailure(error).code).toBe(code);
  });

  it('retries outages, dead-letters permanent failures at once, and gives unknown ones a few attempts', () => {
    expect(dispositionOf('DATABASE_UNAVAILABLE')).toBe('retry');
    expect(dispositionOf('SCHEMA_VIOLATION')).toBe('dead-letter');
    expect(dispositionOf('PERMANENT')).toBe('dead-letter');
    expect(dispositionOf('HANDLER_FAILED')).toBe('bounded');
    expect(classifyFailure(new PermanentMessageError('UNKNOWN_TOOL', 'x')).reason).toBe('UNKNOWN_TOOL');
  });

  it('persist waits out transient failures, rethrows others at once, and stops when aborted', async () => {
    let tries = 0;
    const retried: FailureCode[] = [];
    const value = await persist(
      () => {
        tries++;
        if (tries < 3) return Promise.reject(new Error('Connection terminated unexpectedly'));
        return Promise.resolve('done');
      },
      { onRetry: (failure) => retried.push(failure.code) },
    );
    expect(value).toBe('done');
    expect(retried).toEqual(['DATABASE_UNAVAILABLE', 'DATABASE_UNAVAILABLE']);
    await expect(persist(() => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
    const controller = new AbortController();
    controller.abort(new Error('lease lost'));
    await expect(
      persist(() => Promise.reject(new Error('Connection is closed.')), { signal: controller.signal }),
    ).rejects.toThrow('lease lost');
  });
});
