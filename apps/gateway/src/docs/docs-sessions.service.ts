import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ResolveApiKeyByIdQuery, type Principal } from '#soma/identity';
import { RedisService } from '#soma/platform';
import { createHash, randomBytes } from 'node:crypto';

/** How long a docs sign-in lasts. */
export const DOCS_SESSION_SECONDS = 8 * 3600;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const keyOf = (sessionId: string): string =>
  `soma:docs-session:${createHash('sha256').update(sessionId).digest('hex')}`;

/**
 * Sign-ins to the API docs: the cookie holds a random session id; Redis maps its hash to the key's id (never the
 * key). Every request resolves the key by id again, so a revoked key ends its docs sessions at once.
 */
@Injectable()
export class DocsSessions {
  constructor(
    private readonly redis: RedisService,
    private readonly queryBus: QueryBus,
  ) {}

  async start(principal: Principal): Promise<string> {
    const sessionId = randomBytes(32).toString('base64url');
    await this.redis.client.set(keyOf(sessionId), principal.keyId, 'EX', DOCS_SESSION_SECONDS);
    return sessionId;
  }

  /** The principal of a live session; undefined when the id is malformed, unknown, expired or its key revoked. */
  async resolve(sessionId: string): Promise<Principal | undefined> {
    if (!SESSION_ID.test(sessionId)) return undefined;
    const keyId = await this.redis.client.get(keyOf(sessionId));
    if (keyId === null) return undefined;
    return this.queryBus.execute(new ResolveApiKeyByIdQuery(keyId)).catch(() => undefined);
  }

  async end(sessionId: string): Promise<void> {
    if (SESSION_ID.test(sessionId)) await this.redis.client.del(keyOf(sessionId));
  }
}
