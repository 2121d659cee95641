import {
  BadRequestException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextFields } from '#soma/contracts';
import type { Request } from 'express';
import { type Observable } from 'rxjs';

/**
 * Every HTTP request's body, query and path parameters are checked for text PostgreSQL cannot store (NUL, unpaired
 * surrogates) before any pipe or handler sees them: the one place such input is refused, the fields named.
 * (Socket.IO payloads get the same check in checkPayload.) An interceptor, not a pipe: it runs before the pipes
 * and knows the transport, where a global pipe would also walk socket handler arguments.
 */
@Injectable()
export class StorableTextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      const unstorable = [
        ...unstorableTextFields(request.params),
        ...unstorableTextFields(request.query),
        ...unstorableTextFields(request.body as unknown),
      ];
      if (unstorable.length > 0) {
        const fields = unstorable.map((field) => ({
          field,
          errors: [`${field} ${UNSTORABLE_TEXT_MESSAGE}`],
        }));
        throw new BadRequestException({
          error: 'VALIDATION_FAILED',
          message: fields.map((f) => f.errors.join(', ')).join('; '),
          fields,
        });
      }
    }
    return next.handle();
  }
}
