import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** What only the operations listener serves: metrics and the readiness detail (dependency names, errors). */
const OPS_ONLY = new Set(['/metrics', '/health/ready']);
/** What the operations listener serves: the above and liveness (also public: it says nothing). */
const OPS_PATHS = new Set([...OPS_ONLY, '/health/live']);

/** The path as Express routes it: any letter case, one trailing slash, no query. */
function routedPath(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();
}

function notFound(response: ServerResponse, path: string): void {
  const body = JSON.stringify({ statusCode: 404, error: 'NOT_FOUND', message: `Cannot GET ${path}` });
  response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

/**
 * A second HTTP listener of one app for operations: /metrics and /health/ready are answered there and refused
 * (404) on the app's public port; the operations port serves nothing else. Both listeners share the app's
 * routes, so the metrics and checks are the app's own. Configure it before the routes are registered.
 */
export class OpsListener {
  private readonly viaOps = new WeakSet<IncomingMessage>();
  private server: Server | undefined;

  /** Express middleware for the public listener: refuses the operations paths there. */
  readonly publicGuard = (request: Request, response: Response, next: NextFunction): void => {
    if (!this.viaOps.has(request) && OPS_ONLY.has(routedPath(request.originalUrl))) {
      notFound(response, routedPath(request.originalUrl));
      return;
    }
    next();
  };

  /** Listens on host:port, handing the operations paths to the app's request handler. */
  async listen(
    handler: (request: IncomingMessage, response: ServerResponse) => void,
    port: number,
    host: string,
  ): Promise<void> {
    const server = createServer((request, response) => {
      const path = routedPath(request.url);
      if (request.method !== 'GET' || !OPS_PATHS.has(path)) {
        notFound(response, path);
        return;
      }
      this.viaOps.add(request);
      handler(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}
