import { BadRequestException, Injectable } from '@nestjs/common';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { SomaConfig } from '#soma/platform';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type PageQuery } from './page-query.dto.js';

/** What a cursor is bound to: one list (with its version), one tenant, one parent (a session, a webhook). */
export interface CursorScope {
  readonly list: string;
  readonly tenantId: string;
  readonly parentId?: string;
}

export interface PageResponse<T> {
  items: T[];
  next: string | null;
}

const MAC_BYTES = 16;
const MAX_KEYS = 4;
const MAX_KEY_CHARS = 200;

const invalid = (reason: string) =>
  new BadRequestException({
    error: 'CURSOR_INVALID',
    message: `cursor ${reason}: pass the \`next\` of the previous page of this same list, unchanged`,
    fields: [{ field: 'cursor', errors: [`cursor ${reason}`] }],
  });

const isKey = (value: unknown): value is string[] =>
  Array.isArray(value) &&
  value.length >= 1 &&
  value.length <= MAX_KEYS &&
  value.every((part) => typeof part === 'string' && part.length <= MAX_KEY_CHARS);

/**
 * Opaque list cursors: `base64url(JSON key of the last row) . base64url(HMAC(scope, key))`. The MAC binds the
 * key to its list, tenant and parent, so a cursor cannot be forged, edited, or replayed on another list.
 */
@Injectable()
export class PageCursors {
  constructor(private readonly config: SomaConfig) {}

  /** The `{ limit, after }` a query handler takes, from the validated query (a bad cursor: 400 CURSOR_INVALID). */
  request(query: PageQuery, scope: CursorScope, defaultLimit = 50): PageRequest {
    return {
      limit: query.limit ?? defaultLimit,
      after: query.cursor === undefined ? null : this.decode(query.cursor, scope),
    };
  }

  /** A handler's page as the HTTP response: items mapped, `next` encoded (null on the last page). */
  response<R, T>(page: KeysetPage<R>, scope: CursorScope, toDto: (row: R) => T): PageResponse<T> {
    return { items: page.items.map(toDto), next: page.next === null ? null : this.encode(page.next, scope) };
  }

  encode(key: readonly string[], scope: CursorScope): string {
    const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
    return `${payload}.${this.mac(payload, scope).toString('base64url')}`;
  }

  decode(cursor: string, scope: CursorScope): string[] {
    const [payload, mac, ...rest] = cursor.split('.');
    if (payload === undefined || mac === undefined || rest.length > 0 || !/^[\w-]+$/.test(payload))
      throw invalid('is malformed');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(payload, scope)))
      throw invalid('does not belong to this list');
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid('is malformed');
    }
    if (!isKey(key)) throw invalid('is malformed');
    return key;
  }

  private mac(payload: string, scope: CursorScope): Buffer {
    return createHmac('sha256', this.config.cursorSecretKey)
      .update(`${scope.list}\n${scope.tenantId}\n${scope.parentId ?? ''}\n${payload}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
