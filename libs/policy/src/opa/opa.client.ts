import { Agent, request, type IncomingMessage } from 'node:http';
import { PolicyError } from '../policy.errors.js';

const RETRYABLE = new Set(['ECONNRESET', 'EPIPE']);

/**
 * OPA's REST data API over kept-alive HTTP connections: a decision costs one round trip on a warm socket
 * instead of a TCP handshake.
 */
export class OpaClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
    maxSockets = 8,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.agent = new Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 5000, scheduling: 'lifo' });
  }

  /** POST /v1/data/<path> with {input}; resolves to `result` (undefined when the rule is undefined). */
  evaluate(path: string, input: unknown): Promise<unknown> {
    return this.send('POST', path, JSON.stringify({ input }));
  }

  /** GET /v1/data/<path>: the document there (undefined when there is none). */
  read(path: string): Promise<unknown> {
    return this.send('GET', path, '');
  }

  /** PUT /v1/data/<path>: replaces the document there (data API, e.g. soma/tenants). */
  async write(path: string, value: unknown): Promise<void> {
    await this.send('PUT', path, JSON.stringify(value));
  }

  private async send(method: 'GET' | 'POST' | 'PUT', path: string, body: string): Promise<unknown> {
    try {
      return await this.request(method, path, body);
    } catch (error) {
      // A kept-alive socket the server closed (e.g. OPA restarted) fails once; a fresh one decides.
      if (RETRYABLE.has((error as NodeJS.ErrnoException).code ?? '')) return this.request(method, path, body);
      throw error;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, body: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path: `/v1/data/${path}`,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          readJson(res).then(resolve, reject);
        },
      );
      req.on('timeout', () => {
        req.destroy(new PolicyError('ENGINE_UNAVAILABLE', `OPA did not answer within ${this.timeoutMs} ms`));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

function readJson(res: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (res.statusCode === 204) {
        resolve(undefined);
        return;
      }
      if (res.statusCode !== 200) {
        reject(
          new PolicyError('ENGINE_BAD_RESPONSE', `OPA answered ${res.statusCode}: ${text.slice(0, 300)}`),
        );
        return;
      }
      try {
        resolve((JSON.parse(text) as { result?: unknown }).result);
      } catch {
        reject(new PolicyError('ENGINE_BAD_RESPONSE', 'OPA answered with malformed JSON'));
      }
    });
  });
}
