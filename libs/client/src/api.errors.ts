/** An answer of the API that is not the expected one, or no answer at all (status 0: network). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** From the API's error body `{ statusCode, error: CODE, message }` (or whatever else came back). */
  static fromResponse(status: number, body: unknown): ApiError {
    if (typeof body === 'object' && body !== null) {
      const { error, message } = body as { error?: unknown; message?: unknown };
      const text = Array.isArray(message) ? message.join('; ') : message;
      return new ApiError(
        status,
        typeof error === 'string' ? error : `HTTP_${status}`,
        typeof text === 'string' ? text : JSON.stringify(body),
      );
    }
    const text = typeof body === 'string' && body !== '' ? body.slice(0, 200) : `HTTP ${status}`;
    return new ApiError(status, `HTTP_${status}`, text);
  }

  static network(url: string, cause: unknown): ApiError {
    const detail = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause : cause).message : '';
    return new ApiError(0, 'NETWORK_ERROR', `cannot reach ${url}${detail ? `: ${detail}` : ''}`);
  }
}
