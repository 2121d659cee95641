import { ApiError } from './api.errors.js';
import { readSseEvents } from './sse.parser.js';

/** One event of a session's stream: `seq` increases by one per event of the session. */
export interface SessionEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

export interface FollowOptions {
  baseUrl: string;
  headers: Record<string, string>;
  sessionId: string;
  /** Start after this seq (0: from the first event the replay log still has). */
  afterSeq?: number;
  signal?: AbortSignal;
  /** Give up when no connection could be (re)made for this long. */
  reconnectTimeoutMs?: number;
  /** Told each time a connection is made (the first and every reconnection). */
  onOpen?: () => void;
  /** Told before each reconnection, with the seq it resumes after. */
  onReconnect?: (info: { afterSeq: number; attempt: number; cause: string }) => void;
}

const backoffMs = (attempt: number) => Math.min(2000, 100 * 2 ** attempt);
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Follows a session's SSE stream across dropped connections: each reconnection sends `Last-Event-ID` = the last
 * seq seen, and an event at or below it is never yielded again, so nothing is missed and nothing repeats. A gap
 * (a seq that is not the next one) is never skipped over: the stream reconnects after the last seq instead.
 * API refusals (401, 403, 404, an `error` frame) end it with an ApiError; so does a stream lost for too long.
 */
export async function* followSessionEvents(options: FollowOptions): AsyncGenerator<SessionEvent> {
  const controller = new AbortController();
  const abort = () => {
    controller.abort();
  };
  options.signal?.addEventListener('abort', abort);
  const url = `${options.baseUrl}/v1/sessions/${encodeURIComponent(options.sessionId)}/events`;
  let last = options.afterSeq ?? 0;
  let attempt = 0;
  let lostSince: number | undefined;
  try {
    while (!controller.signal.aborted) {
      let cause: string;
      try {
        const headers = { accept: 'text/event-stream', ...options.headers };
        const response = await fetch(url, {
          headers: last > 0 ? { ...headers, 'last-event-id': String(last) } : headers,
          signal: controller.signal,
        }).catch((error: unknown) => {
          throw ApiError.network(options.baseUrl, error);
        });
        if (!response.ok || !response.body) {
          const text = await response.text();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          throw ApiError.fromResponse(response.status, body);
        }
        attempt = 0;
        lostSince = undefined;
        options.onOpen?.();
        for await (const event of readSseEvents(response.body)) {
          if (event.event === 'error') {
            const frame = JSON.parse(event.data) as { code?: string; message?: string };
            throw new ApiError(200, frame.code ?? 'STREAM_ERROR', frame.message ?? event.data);
          }
          const seq = Number(event.id);
          if (!Number.isSafeInteger(seq) || seq <= last) continue;
          // A hole (the server skipped a seq): never deliver past it; resuming after `last` fills it in order.
          if (last > 0 && seq !== last + 1) throw new Error(`gap in the stream: seq ${seq} after ${last}`);
          last = seq;
          yield { seq, type: event.event, data: JSON.parse(event.data) as Record<string, unknown> };
        }
        cause = 'the server ended the stream';
      } catch (error) {
        if (controller.signal.aborted) return;
        // Only a lost connection or a server error is worth retrying; a refusal is final.
        if (error instanceof ApiError && error.status !== 0 && error.status < 500) throw error;
        cause = error instanceof Error ? error.message : String(error);
      }
      lostSince ??= Date.now();
      if (Date.now() - lostSince > (options.reconnectTimeoutMs ?? 30_000))
        throw new ApiError(0, 'STREAM_LOST', `stream lost after seq ${last}: ${cause}`);
      options.onReconnect?.({ afterSeq: last, attempt: attempt + 1, cause });
      await sleep(backoffMs(attempt++), controller.signal);
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
    controller.abort();
  }
}
