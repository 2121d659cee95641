import { type Principal } from '#soma/identity';
import type { NextFunction, Request, Response } from 'express';
import { bearerToken } from '../auth/api-key.guard.js';
import { clientIp } from '../http/rate-limit.guard.js';
import { type LimitResult } from '../http/rate-limiter.service.js';

export const DOCS_COOKIE = 'soma_docs_session';

/** What the middleware needs to know about docs sessions (DocsSessions). */
export interface DocsSessionStore {
  start(principal: Principal): Promise<string>;
  resolve(sessionId: string): Promise<Principal | undefined>;
  end(sessionId: string): Promise<void>;
}
const FORM_LIMIT_BYTES = 4096;

function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      // A malformed escape (`%E0%A4`) is no key, as a wrong one is: 401, never a URIError's 500.
      return '';
    }
  }
  return undefined;
}

async function formField(request: Request, name: string): Promise<string | undefined> {
  let body = '';
  for await (const chunk of request as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8');
    if (body.length > FORM_LIMIT_BYTES) return undefined;
  }
  return new URLSearchParams(body).get(name) ?? undefined;
}

/** Over the limit: 429 RATE_LIMITED with Retry-After (the same answer as the /v1 routes). */
function refused(result: LimitResult, response: Response): boolean {
  if (result.allowed) return false;
  response.setHeader('Retry-After', String(result.retryAfterSeconds));
  response.status(429).json({
    statusCode: 429,
    error: 'RATE_LIMITED',
    message: `rate limit of ${result.limit} requests (per ${result.scope}) exceeded`,
    scope: result.scope,
    retryAfterSeconds: result.retryAfterSeconds,
  });
  return true;
}

function signInPage(message: string): string {
  const escaped = message.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>SomaAgent API docs: sign in</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto">
<h1>SomaAgent API docs</h1><p>${escaped}</p>
<form method="post" action="/docs/sign-in">
<label>Admin API key <input name="key" type="password" autocomplete="off" size="50" required></label>
<button type="submit">Sign in</button></form></body></html>`;
}

/** The session cookie: HttpOnly, SameSite=Strict, and Secure whenever the request came over TLS. */
function sessionCookie(request: Request, value: string, maxAgeSeconds: number): string {
  const secure = request.secure ? '; Secure' : '';
  return `${DOCS_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * Guards the Swagger UI (/docs) and the OpenAPI document (/docs-json, /docs-yaml): an admin key is required,
 * as `Authorization: Bearer <key>` or through the sign-in form at /docs, which starts a docs session: its cookie
 * holds a random session id, never the key.
 */
export function docsAuth(
  resolve: (key: string | undefined) => Promise<Principal>,
  sessions: DocsSessionStore,
  sessionSeconds: number,
  limit: (scope: 'sign-in' | 'ip', ip: string) => Promise<LimitResult>,
) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    // Express matches these mounts in any letter case; so does this.
    const path = (request.originalUrl.split('?')[0] ?? '').toLowerCase();
    const html = path === '/docs' || path === '/docs/' || path.startsWith('/docs/');
    const sessionId = cookie(request, DOCS_COOKIE);
    if (request.method === 'POST' && path === '/docs/sign-out') {
      if (sessionId) await sessions.end(sessionId);
      response.setHeader('Set-Cookie', sessionCookie(request, '', 0));
      response.redirect(303, '/docs');
      return;
    }
    const signingIn = request.method === 'POST' && path === '/docs/sign-in';
    // Sign-in attempts are limited per client IP before the form is read or the key looked up.
    if (signingIn && refused(await limit('sign-in', clientIp(request)), response)) return;
    const key = signingIn ? await formField(request, 'key') : bearerToken(request.headers.authorization);
    const presented = key !== undefined || sessionId !== undefined;
    let principal: Principal | undefined;
    try {
      if (key !== undefined) principal = await resolve(key);
      else if (sessionId !== undefined) principal = await sessions.resolve(sessionId);
    } catch {
      principal = undefined;
    }
    if (presented && !principal && refused(await limit('ip', clientIp(request)), response)) return;
    if (principal?.role === 'admin') {
      if (signingIn) {
        response.setHeader(
          'Set-Cookie',
          sessionCookie(request, await sessions.start(principal), sessionSeconds),
        );
        response.redirect(303, '/docs');
        return;
      }
      next();
      return;
    }
    const status = principal ? 403 : 401;
    const error = principal ? 'ADMIN_ROLE_REQUIRED' : presented ? 'API_KEY_INVALID' : 'API_KEY_MISSING';
    const message = principal ? 'the API docs need an admin key' : 'sign in with an admin API key';
    if (html) {
      response
        .status(status)
        .type('text/html')
        .send(signInPage(presented ? `${error}: ${message}` : message));
      return;
    }
    response.status(status).json({ statusCode: status, error, message });
  };
}
