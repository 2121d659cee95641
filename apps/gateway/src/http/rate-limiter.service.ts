import { Injectable } from '@nestjs/common';
import { RedisService, SomaConfig } from '#soma/platform';

/** What is counted, and by what: see docs/gateway.md "Rate limits". */
export type LimitScope = 'key' | 'tenant' | 'ip' | 'sign-in' | 'socket-connect' | 'socket-event';

export interface LimitResult {
  scope: LimitScope;
  allowed: boolean;
  limit: number;
  remaining: number;
  retryAfterSeconds: number;
}

// The window starts at a bucket's first hit (not at a wall-clock boundary), so a burst cannot get twice the
// limit by straddling one; INCR and the expiry are one atomic step on every instance.
const HIT = `local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** Fixed windows counted in Redis, shared by every gateway instance. */
@Injectable()
export class RateLimiter {
  private readonly limits: Record<LimitScope, number>;

  constructor(
    private readonly redis: RedisService,
    private readonly config: SomaConfig,
  ) {
    this.limits = {
      key: config.rateLimitRequests,
      tenant: config.rateLimitTenantRequests,
      ip: config.rateLimitIpRequests,
      'sign-in': config.rateLimitSignInRequests,
      'socket-connect': config.rateLimitSocketConnections,
      'socket-event': config.rateLimitSocketEvents,
    };
  }

  get windowSeconds(): number {
    return this.config.rateLimitWindowSeconds;
  }

  /** Counts one hit of `id` in `scope`; `allowed` is false once the window's limit is passed. */
  async hit(scope: LimitScope, id: string): Promise<LimitResult> {
    const windowMs = this.config.rateLimitWindowSeconds * 1000;
    const bucket = `soma:ratelimit:${scope}:${this.config.rateLimitWindowSeconds}:${id}`;
    const [count, ttl] = (await this.redis.client.eval(HIT, 1, bucket, windowMs)) as [number, number];
    const limit = this.limits[scope];
    return {
      scope,
      allowed: count <= limit,
      limit,
      remaining: Math.max(0, limit - count),
      retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)),
    };
  }
}
