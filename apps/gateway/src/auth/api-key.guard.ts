import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ResolveApiKeyQuery, type Principal } from '#soma/identity';
import type { Request } from 'express';

export type AuthenticatedRequest = Request & { principal: Principal };

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Every /v1 route: resolves `Authorization: Bearer <api key>` to the caller's tenant and role (RateLimitGuard,
 * which runs first on /v1, has usually resolved it already).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly queryBus: QueryBus) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    if (request.principal) return true;
    request.principal = await this.queryBus.execute(
      new ResolveApiKeyQuery(bearerToken(request.headers.authorization)),
    );
    return true;
  }
}
