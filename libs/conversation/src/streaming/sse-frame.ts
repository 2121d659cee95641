import { type StreamEvent } from './stream-event.contract.js';

const formatted = new WeakMap<StreamEvent, string>();

/** One SSE frame per event, formatted once however many clients receive it. */
export function formatSse(event: StreamEvent): string {
  let frame = formatted.get(event);
  if (frame === undefined) {
    frame = `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
    formatted.set(event, frame);
  }
  return frame;
}
