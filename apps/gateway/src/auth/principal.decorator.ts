import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Principal } from '#soma/identity';
import { type AuthenticatedRequest } from './api-key.guard.js';

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
