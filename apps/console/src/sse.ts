/**
 * The session stream for the inspector, over the client library's follower (fetch, since EventSource cannot send
 * the Authorization header the gateway requires): it resumes with Last-Event-ID and skips what it already saw.
 */
import { ApiError, followSessionEvents, type SessionEvent } from '#soma/client';

export type StreamEvent = SessionEvent;

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'failed';

export interface StreamCallbacks {
  onEvent: (event: StreamEvent) => void;
  onState: (state: StreamState, detail?: string) => void;
}

/** Follows until the signal aborts; a refusal (401, 403, 404, an error frame) ends it as `failed`. */
export function openSessionStream(
  sessionId: string,
  key: string,
  callbacks: StreamCallbacks,
  signal: AbortSignal,
): void {
  callbacks.onState('connecting');
  const follow = async () => {
    try {
      const events = followSessionEvents({
        baseUrl: '',
        headers: { authorization: `Bearer ${key}` },
        sessionId,
        signal,
        // A console tab keeps trying for as long as it is open.
        reconnectTimeoutMs: Number.POSITIVE_INFINITY,
        onOpen: () => {
          callbacks.onState('live');
        },
        onReconnect: ({ cause }) => {
          callbacks.onState('reconnecting', cause);
        },
      });
      for await (const event of events) callbacks.onEvent(event);
      callbacks.onState('closed');
    } catch (error) {
      const detail = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
      callbacks.onState('failed', detail);
    }
  };
  void follow();
}
