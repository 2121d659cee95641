import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ResolveApiKeyQuery } from '#soma/identity';
import type { Request, Response } from 'express';
import { bearerToken, type AuthenticatedRequest } from '../auth/api-key.guard.js';
import { RateLimiter, type LimitResult } from './rate-limiter.service.js';

/** Every /v1 route, in any letter case (Express routes case-insensitively). */
export const LIMITED_PATH = /^\/v1(\/|$)/i;

export function clientIp(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/** The 429 of every limited route, with Retry-After; the limit headers go on every limited answer. */
export function applyLimit(response: Response, results: LimitResult[], windowSeconds: number): void {
  const tightest = results.reduce((a, b) => (b.remaining < a.remaining || !b.allowed ? b : a));
  response.setHeader('X-RateLimit-Limit', String(tightest.limit));
  response.setHeader('X-RateLimit-Remaining', String(tightest.remaining));
  const over = results.find((r) => !r.allowed);
  if (!over) return;
  response.setHeader('Retry-After', String(over.retryAfterSeconds));
  throw new HttpException(
    {
      error: 'RATE_LIMITED',
      message: `rate limit of ${over.limit} requests per ${windowSeconds} s (per ${over.scope}) exceeded`,
      scope: over.scope,
      retryAfterSeconds: over.retryAfterSeconds,
    },
    429,
  );
}

/**
 * Rate limits on /v1, counted in Redis (shared by every instance). The key is resolved here (and reused by
 * ApiKeyGuard): a valid key counts against its key's and its tenant's buckets; a request without a key, or with
 * a key that does not resolve, counts against its client IP's bucket, so a storm of invented keys gets 429
 * instead of one fresh bucket per key.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly queryBus: QueryBus,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!LIMITED_PATH.test(request.path)) return true;
    const response = context.switchToHttp().getResponse<Response>();
    const window = this.limiter.windowSeconds;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      applyLimit(response, [await this.limiter.hit('ip', clientIp(request))], window);
      return true;
    }
    try {
      request.principal = await this.queryBus.execute(new ResolveApiKeyQuery(token));
    } catch (error) {
      applyLimit(response, [await this.limiter.hit('ip', clientIp(request))], window);
      throw error;
    }
    const { keyId, tenantId } = request.principal;
    // A request the key's own limit refuses does not count against its tenant (one key cannot starve the rest).
    const key = await this.limiter.hit('key', keyId);
    if (!key.allowed) applyLimit(response, [key], window);
    applyLimit(response, [key, await this.limiter.hit('tenant', tenantId)], window);
    return true;
  }
}
