import { type NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CONSOLE_PATH = '/console';

/** dist/apps/gateway/src/console → dist/console, where `npm run build` puts the console. */
const CONSOLE_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'console');

/**
 * Serves the admin console (a static single-page app; it only calls the public API) at /console: its files,
 * and index.html for any other path below it so that reloading a deep link works.
 */
export function serveConsole(app: NestExpressApplication, dir: string = CONSOLE_DIR): void {
  const index = join(dir, 'index.html');
  app.useStaticAssets(dir, { prefix: `${CONSOLE_PATH}/`, index: false, fallthrough: true, maxAge: 0 });
  app.use(CONSOLE_PATH, (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      next();
      return;
    }
    // A missing asset is a 404, not the page.
    if (/\.[a-z0-9]+$/i.test(request.path)) {
      response
        .status(404)
        .json({ statusCode: 404, error: 'NOT_FOUND', message: `${request.originalUrl} not found` });
      return;
    }
    if (!existsSync(index)) {
      response
        .status(503)
        .type('text/plain')
        .send('The console is not built: run `npm run build` (it bundles apps/console into dist/console).');
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
}
