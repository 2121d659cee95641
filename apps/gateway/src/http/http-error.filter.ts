import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { assertUnreachable } from '#soma/contracts';
import { ConversationError, type ConversationErrorCode } from '#soma/conversation';
import { IdentityError, type IdentityErrorCode } from '#soma/identity';
import { ObservabilityError, type ObservabilityErrorCode } from '#soma/platform';
import { PolicyError, type PolicyErrorCode } from '#soma/policy';
import { RequeueError, type RequeueErrorCode } from '#soma/requeue';
import { ToolError, type ToolErrorCode } from '#soma/tools';
import { WebhookError, type WebhookErrorCode } from '#soma/webhooks';
import type { Response } from 'express';

function statusOfConversation(code: ConversationErrorCode): number {
  switch (code) {
    case 'SESSION_NOT_FOUND':
    case 'MODEL_PROFILE_NOT_FOUND':
    case 'TENANT_NOT_FOUND':
    case 'TURN_NOT_FOUND':
      return 404;
    case 'MODEL_PROFILE_INVALID':
    case 'TOOL_NOT_ALLOWED':
      return 400;
    case 'MODEL_PROFILE_NAME_TAKEN':
    case 'MODEL_PROFILE_IN_USE':
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'TURN_IN_PROGRESS':
      return 409;
    case 'BUDGET_EXCEEDED':
      return 429;
    default:
      return assertUnreachable(code);
  }
}

function statusOfIdentity(code: IdentityErrorCode): number {
  switch (code) {
    case 'API_KEY_MISSING':
    case 'API_KEY_INVALID':
      return 401;
    case 'ADMIN_ROLE_REQUIRED':
    case 'OPERATOR_REQUIRED':
      return 403;
    case 'TENANT_NAME_TAKEN':
    case 'API_KEY_LAST_ADMIN':
      return 409;
    case 'API_KEY_NOT_FOUND':
      return 404;
    default:
      return assertUnreachable(code);
  }
}

function statusOfTool(code: ToolErrorCode): number {
  switch (code) {
    case 'SESSION_NOT_FOUND':
    case 'TENANT_NOT_FOUND':
      return 404;
    case 'POLICY_UNAVAILABLE':
    case 'SANDBOX_BUSY':
      return 503;
    case 'UNKNOWN_TOOL':
    case 'INVALID_ARGUMENTS':
    case 'GRANT_INVALID':
    case 'MCP_SERVER_INVALID':
    case 'MCP_UNAUTHORIZED':
      return 400;
    case 'MCP_SERVER_NOT_FOUND':
      return 404;
    case 'MCP_SERVER_EXISTS':
      return 409;
    case 'MCP_TIMEOUT':
      return 504;
    case 'MCP_UNAVAILABLE':
    case 'MCP_RESULT_INVALID':
      return 502;
    case 'TOOL_TIMEOUT':
      return 504;
    case 'TOOL_FAILED':
    case 'OUTPUT_TOO_LARGE':
    case 'FETCH_FAILED':
    case 'SEARCH_FAILED':
    case 'TOOL_INTERRUPTED':
    case 'REPLAY_NOT_RECORDED':
      return 502;
    case 'TOOL_CANCELLED':
      return 409;
    case 'EGRESS_REFUSED':
      return 403;
    case 'BUDGET_EXCEEDED':
      return 429;
    default:
      return assertUnreachable(code);
  }
}

function statusOfPolicy(code: PolicyErrorCode): number {
  switch (code) {
    case 'TENANT_NOT_FOUND':
      return 404;
    case 'TENANT_POLICY_INVALID':
      return 400;
    case 'ENGINE_BAD_RESPONSE':
      return 502;
    case 'ENGINE_UNAVAILABLE':
    case 'FGA_STORE_NOT_FOUND':
      return 503;
    default:
      return assertUnreachable(code);
  }
}

function statusOfRequeue(code: RequeueErrorCode): number {
  switch (code) {
    case 'REQUEUE_ITEM_NOT_FOUND':
    case 'DEAD_LETTER_NOT_FOUND':
    case 'APPROVAL_NOT_FOUND':
    case 'AUDIT_CHAIN_NOT_FOUND':
      return 404;
    case 'APPROVAL_ANSWER_INVALID':
      return 400;
    case 'REQUEUE_ITEM_NOT_PENDING':
    case 'REQUEUE_DECISION_FINAL':
    case 'DEAD_LETTER_ALREADY_REPLAYED':
    case 'APPROVAL_ALREADY_ANSWERED':
    case 'APPROVAL_EXPIRED':
      return 409;
    case 'DEAD_LETTER_NOT_REPLAYABLE':
      return 422;
    default:
      return assertUnreachable(code);
  }
}

function statusOfWebhook(code: WebhookErrorCode): number {
  switch (code) {
    case 'WEBHOOK_NOT_FOUND':
      return 404;
    case 'WEBHOOK_URL_INVALID':
    case 'WEBHOOK_URL_NOT_ALLOWED':
    case 'WEBHOOK_URL_UNRESOLVABLE':
      return 400;
    default:
      return assertUnreachable(code);
  }
}

function statusOfObservability(code: ObservabilityErrorCode): number {
  switch (code) {
    case 'METRICS_QUERY_FAILED':
      return 502;
    case 'METRICS_UNAVAILABLE':
      return 503;
    default:
      return assertUnreachable(code);
  }
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  [extra: string]: unknown;
}

/** The one place where errors become HTTP responses: `{ statusCode, error: CODE, message }`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = httpErrorBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception : String(exception));
    if (typeof body.retryAfterSeconds === 'number')
      response.setHeader('Retry-After', String(body.retryAfterSeconds));
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(body.statusCode).json(body);
  }
}

/** Any error as `{ statusCode, error: CODE, message, ...meta }`: every code of every context mapped once. */
export function httpErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof ConversationError) {
    const { retryAfterSeconds, turnId, field } = exception.meta;
    return {
      statusCode: statusOfConversation(exception.code),
      error: exception.code,
      message: exception.message,
      ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}),
      ...(typeof turnId === 'string' ? { turnId } : {}),
      ...(typeof field === 'string' ? { fields: [{ field, errors: [exception.message] }] } : {}),
    };
  }
  if (exception instanceof IdentityError) {
    return {
      statusCode: statusOfIdentity(exception.code),
      error: exception.code,
      message: exception.message,
    };
  }
  if (exception instanceof ToolError) {
    return {
      statusCode: statusOfTool(exception.code),
      error: exception.code,
      message: exception.message,
      ...exception.meta,
    };
  }
  if (exception instanceof RequeueError) {
    return {
      statusCode: statusOfRequeue(exception.code),
      error: exception.code,
      message: exception.message,
      ...exception.meta,
      ...(exception.fields.length > 0 ? { fields: exception.fields } : {}),
    };
  }
  if (exception instanceof PolicyError) {
    return {
      statusCode: statusOfPolicy(exception.code),
      error: exception.code,
      message: exception.message,
      ...exception.meta,
      ...(exception.fields.length > 0 ? { fields: exception.fields } : {}),
    };
  }
  if (exception instanceof WebhookError) {
    return {
      statusCode: statusOfWebhook(exception.code),
      error: exception.code,
      message: exception.message,
      ...exception.meta,
    };
  }
  if (exception instanceof ObservabilityError) {
    return {
      statusCode: statusOfObservability(exception.code),
      error: exception.code,
      message: exception.message,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const raw = exception.getResponse();
    const detail = typeof raw === 'object' ? (raw as Record<string, unknown>) : { message: raw };
    const code =
      typeof detail.error === 'string' && /^[A-Z_]+$/.test(detail.error) ? detail.error : undefined;
    const malformed = exception.cause instanceof SyntaxError;
    return {
      ...detail,
      statusCode: status,
      error: malformed ? 'MALFORMED_JSON' : (code ?? httpCode(status)),
      message: malformed
        ? `malformed JSON body: ${exception.message}`
        : typeof detail.message === 'string'
          ? detail.message
          : exception.message,
    };
  }
  const status = (exception as { status?: unknown; type?: unknown }).status;
  // Errors raised by the body parser carry their own status (400 malformed JSON, 413 too large).
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { statusCode: status, error: httpCode(status), message: (exception as Error).message };
  }
  return { statusCode: 500, error: 'INTERNAL_ERROR', message: 'internal error' };
}

function httpCode(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return `HTTP_${status}`;
  }
}
