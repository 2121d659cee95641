import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { IdentityError } from '#soma/identity';
import { type AuthenticatedRequest } from './api-key.guard.js';

/** Admin routes: runs after ApiKeyGuard; a user key gets 403 ADMIN_ROLE_REQUIRED. */
@Injectable()
export class AdminRoleGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (principal.role !== 'admin')
      throw new IdentityError('ADMIN_ROLE_REQUIRED', 'this route needs an admin key');
    return true;
  }
}
