/** One view over SSE and Socket.IO streams of a session, for tests that compare or resume them. */
import { SessionSocket } from './socket-client.js';
import { SseStream } from '#soma/client';
import { terminalEventTypes } from '#soma/contracts';

export type Transport = 'sse' | 'socketio';

export interface Received {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

export const TERMINAL = new Set<string>(terminalEventTypes);

export interface OpenedStream {
  received(): Received[];
  waitUntil(predicate: (events: Received[]) => boolean, timeoutMs: number): Promise<Received[]>;
  close(): void;
}

/** Opens a stream of the session after `afterSeq` and resolves once the server has subscribed it. */
export async function openStream(
  transport: Transport,
  baseUrl: string,
  apiKey: string,
  sessionId: string,
  afterSeq: number,
): Promise<OpenedStream> {
  if (transport === 'sse') {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
    if (afterSeq > 0) headers['last-event-id'] = String(afterSeq);
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, headers);
    const status = await stream.status;
    if (status !== 200) throw new Error(`SSE answered ${status}`);
    const received = (): Received[] =>
      stream.events.map((e) => ({
        seq: Number(e.id),
        type: e.event,
        data: JSON.parse(e.data) as Record<string, unknown>,
      }));
    return {
      received,
      waitUntil: async (predicate, timeoutMs) => {
        await stream.waitFor(() => predicate(received()), timeoutMs);
        return received();
      },
      close: () => {
        stream.close();
      },
    };
  }
  const socket = new SessionSocket(baseUrl, { token: apiKey });
  const ack = await socket.join(sessionId, afterSeq);
  if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
  const received = (): Received[] =>
    socket.eventsOf(sessionId).map((f) => ({ seq: f.data.seq as number, type: f.event, data: f.data }));
  return {
    received,
    waitUntil: async (predicate, timeoutMs) => {
      await socket.waitFor(() => predicate(received()), timeoutMs, 'socket events');
      return received();
    },
    close: () => {
      socket.close();
    },
  };
}

export const hasTerminal = (events: Received[]): boolean => events.some((e) => TERMINAL.has(e.type));

export const replyOf = (events: Received[]): string =>
  events
    .filter((e) => e.type === 'token')
    .map((e) => e.data.delta as string)
    .join('');
