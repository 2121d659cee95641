import { ApiError } from './api.errors.js';

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

  async postMessage(sessionId: string, content: string): Promise<{ turnId: string; messageId: string }> {
    const response = await this.request<{ turnId: string; messageId: string }>(
      'POST',
      `/v1/sessions/${sessionId}/messages`,
      { body: { content } },
    );
    if (response.status !== 202)
      throw new Error(`post message: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async messages(
    sessionId: string,
  ): Promise<{ id: string; role: string; content: string; turnId: string | null }[]> {
    const response = await this.request<
      { id: string; role: string; content: string; turnId: string | null }[]
    >('GET', `/v1/sessions/${sessionId}/messages`);
    if (response.status !== 200) throw new Error(`messages: ${response.status}`);
    return response.body;
  }
}
