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
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
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
