import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { hashApiKey } from '#soma/identity';
import { RedisService, SomaConfig } from '#soma/platform';
import type { Request, Response } from 'express';
import { bearerToken } from '../auth/api-key.guard.js';

/**
 * Per-key rate limit on /v1, counted in Redis (so every gateway instance shares it): a fixed window of
 * SOMA_RATE_LIMIT_WINDOW_SECONDS allowing SOMA_RATE_LIMIT_REQUESTS. Counted by the presented key's hash,
 * before the key is looked up, so guessing keys is limited too. Over the limit: 429 with Retry-After.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly redis: RedisService,
    private readonly config: SomaConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !request.path.startsWith('/v1/')) return true;
    const windowMs = this.config.rateLimitWindowSeconds * 1000;
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    const key = `soma:ratelimit:${hashApiKey(token)}:${window}`;
    const [[, count]] = (await this.redis.client.multi().incr(key).pexpire(key, windowMs).exec()) as [
      [Error | null, number],
    ];
    const limit = this.config.rateLimitRequests;
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader('X-RateLimit-Limit', String(limit));
    response.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - count)));
    if (count <= limit) return true;
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
    response.setHeader('Retry-After', String(retryAfterSeconds));
    throw new HttpException(
      {
        error: 'RATE_LIMITED',
        message: `rate limit of ${limit} requests per ${this.config.rateLimitWindowSeconds} s exceeded`,
        retryAfterSeconds,
      },
      429,
    );
  }
}
