import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pinnedLookup, type EgressTarget } from './address-guard.js';

export interface EgressRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Response body bytes kept; the rest is read and dropped. */
  maxResponseBytes?: number;
}

export interface EgressResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
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
        signal: AbortSignal.timeout(request.timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < cap) chunks.push(chunk.subarray(0, cap - size));
          size += chunk.length;
        });
        response.on('error', reject);
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}
