/**
 * The session stream over fetch(): EventSource cannot send the Authorization header the gateway requires.
 * Parses text/event-stream, skips what it already saw and reconnects with Last-Event-ID.
 */
export interface StreamEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'failed';

export interface StreamCallbacks {
  onEvent: (event: StreamEvent) => void;
  onState: (state: StreamState, detail?: string) => void;
}

const MAX_BACKOFF_MS = 5000;

export function openSessionStream(
  sessionId: string,
  key: string,
  callbacks: StreamCallbacks,
  signal: AbortSignal,
): void {
  let lastSeq = 0;
  let backoff = 500;

  const handleBlock = (block: string): 'stop' | undefined => {
    let id: string | undefined;
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'id') id = value;
      else if (name === 'event') type = value;
      else if (name === 'data') data.push(value);
    }
    if (data.length === 0) return undefined;
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(data.join('\n')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (type === 'error') {
      callbacks.onState('failed', `${String(payload.code)}: ${String(payload.message)}`);
      return 'stop';
    }
    const seq = Number(id);
    if (!Number.isInteger(seq) || seq <= lastSeq) return undefined;
    lastSeq = seq;
    callbacks.onEvent({ seq, type, data: payload });
    return undefined;
  };

  const connect = async (): Promise<'retry' | 'stop'> => {
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${key}` };
    if (lastSeq > 0) headers['last-event-id'] = String(lastSeq);
    const response = await fetch(`/v1/sessions/${encodeURIComponent(sessionId)}/events`, { headers, signal });
    if (!response.ok || !response.body) {
      let detail = `HTTP ${response.status}`;
      try {
        const body = (await response.json()) as { error?: string; message?: string };
        detail = `${body.error ?? detail}: ${body.message ?? ''}`;
      } catch {
        // no JSON body
      }
      callbacks.onState('failed', detail);
      // Auth and not-found answers will not change by retrying; a 5xx or 429 may.
      return response.status >= 500 || response.status === 429 ? 'retry' : 'stop';
    }
    callbacks.onState('live');
    backoff = 500;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'retry';
      buffer += value.replace(/\r\n?/g, '\n');
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        if (handleBlock(buffer.slice(0, boundary)) === 'stop') return 'stop';
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf('\n\n');
      }
    }
  };

  const run = async (): Promise<void> => {
    callbacks.onState('connecting');
    while (!signal.aborted) {
      let outcome: 'retry' | 'stop';
      try {
        outcome = await connect();
      } catch (error) {
        if (signal.aborted) break;
        outcome = 'retry';
        callbacks.onState('reconnecting', error instanceof Error ? error.message : String(error));
      }
      if (outcome === 'stop' || signal.aborted) break;
      callbacks.onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    if (signal.aborted) callbacks.onState('closed');
  };
  void run();
}
