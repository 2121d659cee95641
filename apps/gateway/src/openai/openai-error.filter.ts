import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { httpErrorBody } from '../http/http-error.filter.js';
import { openAiError, type OpenAiErrorBody } from './chat-completion-request.js';

/** OpenAI's error types; the SDK picks its error class from the status, clients read `type` and `code`. */
export type OpenAiErrorType =
  'invalid_request_error' | 'authentication_error' | 'permission_error' | 'rate_limit_error' | 'api_error';

/** An error the OpenAI routes raise themselves, already in OpenAI's words (model_not_found, a refused parameter). */
export class OpenAiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAiErrorBody,
  ) {
    super(body.error.message);
  }
}

/** The type of an error by its status (as OpenAI sends them: a 404 of a model is an invalid request). */
export function openAiErrorType(status: number): OpenAiErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export interface OpenAiErrorAnswer {
  status: number;
  body: OpenAiErrorBody;
  retryAfterSeconds: number | null;
}

function paramOf(fields: unknown): string | null {
  if (!Array.isArray(fields)) return null;
  const first: unknown = fields[0];
  if (typeof first !== 'object' || first === null || !('field' in first)) return null;
  return typeof first.field === 'string' ? first.field : null;
}

/**
 * Any error as OpenAI's `{error: {message, type, param, code}}`: the status and our code come from the one
 * exhaustive mapping of every context's codes (httpErrorBody); only the envelope differs.
 */
export function openAiErrorOf(exception: unknown): OpenAiErrorAnswer {
  if (exception instanceof OpenAiRequestError)
    return { status: exception.status, body: exception.body, retryAfterSeconds: null };
  const { statusCode, error, message, fields, retryAfterSeconds } = httpErrorBody(exception);
  return {
    status: statusCode,
    body: openAiError(error, message, paramOf(fields), openAiErrorType(statusCode)),
    retryAfterSeconds: typeof retryAfterSeconds === 'number' ? retryAfterSeconds : null,
  };
}

/** Scoped to the OpenAI controller: its clients (the official SDKs) read OpenAI's error shape, not our ErrorDto. */
@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(OpenAiErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, retryAfterSeconds } = openAiErrorOf(exception);
    if (status >= 500 && !(exception instanceof OpenAiRequestError))
      this.logger.error(exception instanceof Error ? exception : String(exception));
    if (response.headersSent) {
      response.end();
      return;
    }
    if (retryAfterSeconds !== null) response.setHeader('Retry-After', String(retryAfterSeconds));
    // A used-up token budget resets at midnight UTC: the SDKs' quick retries of a 429 would only repeat it.
    if (body.error.code === 'BUDGET_EXCEEDED') response.setHeader('x-should-retry', 'false');
    response.status(status).json(body);
  }
}
