import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pinnedLookup, type EgressTarget } from './address-guard.js';

export interface EgressRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Response body bytes kept; the connection is closed once they are read. */
  maxResponseBytes?: number;
  /** Aborts the exchange (a tool's timeout or a withdrawn call). */
  signal?: AbortSignal;
}

export interface EgressResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The kept bytes, as UTF-8 text. */
  body: string;
  bytes: Buffer;
  /** The body was longer than maxResponseBytes. */
  truncated: boolean;
}

/**
 * One request to a target the guard checked, connected to the checked address only (the name still goes in
 * Host and TLS SNI, so certificates are verified as usual). Redirects are never followed: a 3xx is returned
 * as it is. Rejects on connection errors and when the whole exchange takes longer than `timeoutMs`.
 */
export function sendPinned(target: EgressTarget, request: EgressRequest): Promise<EgressResponse> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const cap = request.maxResponseBytes ?? 4096;
  return new Promise((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: request.method,
        headers: request.headers,
        lookup: pinnedLookup(target),
        agent: false,
        signal: request.signal
          ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)])
          : AbortSignal.timeout(request.timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = (): void => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: bytes.toString('utf8'),
            bytes,
            truncated,
          });
        };
        response.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.length > cap) {
            chunks.push(chunk.subarray(0, cap - size));
            size = cap;
            truncated = true;
            response.destroy();
            done();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', (error) => {
          if (!truncated) reject(error);
        });
        response.on('end', done);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}
