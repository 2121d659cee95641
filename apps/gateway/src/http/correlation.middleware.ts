import { type NextFunction, type Request, type Response } from 'express';
import { correlationStore } from '#soma/platform';
import { randomUUID } from 'node:crypto';

/** Takes X-Correlation-Id from the caller (or makes one), echoes it, and scopes the logs of the request. */
export function correlationMiddleware(request: Request, response: Response, next: NextFunction): void {
  const presented = request.header('x-correlation-id');
  const correlationId = presented && /^[\w.:-]{1,128}$/.test(presented) ? presented : randomUUID();
  response.setHeader('X-Correlation-Id', correlationId);
  correlationStore.run({ correlationId }, next);
}
