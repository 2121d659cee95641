/** The text/event-stream format, parsed as a browser's EventSource parses it (one shared parser). */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  /** performance.now() when the event was parsed: for latency measurements. */
  receivedAt: number;
}

/** Parses one event block (the text between two blank lines); comments and empty blocks give undefined. */
export function parseSseBlock(block: string): SseEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && id === undefined) return undefined;
  return { id, event, data: data.join('\n'), receivedAt: performance.now() };
}

/**
 * Reads a response body as SSE events; a block cut off by the end of the body is not an event. Reads through
 * the stream's reader, so it runs in Node and in every browser (not all iterate a ReadableStream).
 */
export async function* readSseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        const event = parseSseBlock(buffer.slice(0, boundary));
        buffer = buffer.slice(boundary + 2);
        if (event) yield event;
        boundary = buffer.indexOf('\n\n');
      }
    }
  } finally {
    // A reader that stops early (return, abort) lets go of the connection, as for-await over the body would.
    await reader.cancel().catch(() => undefined);
  }
}
