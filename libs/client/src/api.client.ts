import { ApiError } from './api.errors.js';
import { listAll, type Page } from './pages.js';

/** A small client for the public REST API over real HTTP. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers['content-type'] ??= 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    } catch (error) {
      throw ApiError.network(this.baseUrl, error);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** The body of an answer with one of the `expected` statuses; any other answer throws an ApiError. */
  async call<T>(method: string, path: string, expected: number[], body?: unknown): Promise<T> {
    const response = await this.request<T>(method, path, body === undefined ? {} : { body });
    if (!expected.includes(response.status)) throw ApiError.fromResponse(response.status, response.body);
    return response.body;
  }

  /** One page of the list at `path` (which may carry its own query); throws an ApiError on any non-200. */
  page<T>(path: string, cursor?: string, limit?: number): Promise<Page<T>> {
    const params = new URLSearchParams();
    if (limit !== undefined) params.set('limit', String(limit));
    if (cursor !== undefined) params.set('cursor', cursor);
    const extra = params.toString();
    const joined = extra === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${extra}`;
    return this.call('GET', joined, [200]);
  }

  /** Every item of the list at `path`, following `next` page after page. */
  listAll<T>(path: string, limit?: number): Promise<T[]> {
    return listAll((cursor) => this.page<T>(path, cursor, limit));
  }

  /** Headers that authenticate a request made outside this client (an SSE stream). */
  authHeaders(): Record<string, string> {
    return this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
  }

  async createSession(): Promise<string> {
    const response = await this.request<{ id: string }>('POST', '/v1/sessions', { body: {} });
    if (response.status !== 201)
      throw new Error(`create session: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id;
  }

  /** `extra`: the other fields of the message body (ifBusy, toolAllowance). */
  async postMessage(
    sessionId: string,
    content: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ turnId: string; messageId: string }> {
    const response = await this.request<{ turnId: string; messageId: string }>(
      'POST',
      `/v1/sessions/${sessionId}/messages`,
      { body: { ...extra, content } },
    );
    if (response.status !== 202)
      throw new Error(`post message: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  messages(
    sessionId: string,
  ): Promise<{ id: string; role: string; content: string; turnId: string | null }[]> {
    return this.listAll(`/v1/sessions/${sessionId}/messages`, 200);
  }
}
