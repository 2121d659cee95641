import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IdentityError } from '#soma/identity';
import { type AuthenticatedRequest } from './api-key.guard.js';

export type Requirement = 'admin' | 'operator';
const REQUIREMENT = 'soma:requirement';

/** `admin`: an admin key of the caller's tenant. `operator`: an admin key of the operator (default) tenant. */
export const Requires = (requirement: Requirement) => SetMetadata(REQUIREMENT, requirement);

/** Runs after ApiKeyGuard; refuses keys without the role a route requires (403). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const requirement = this.reflector.getAllAndOverride<Requirement | undefined>(REQUIREMENT, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!requirement) return true;
    const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (principal.role !== 'admin')
      throw new IdentityError('ADMIN_ROLE_REQUIRED', 'this route needs an admin key');
    if (requirement === 'operator' && !principal.operator) {
      throw new IdentityError('OPERATOR_REQUIRED', 'this route needs an admin key of the operator tenant');
    }
    return true;
  }
}
