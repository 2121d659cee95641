/** A real Socket.IO client (socket.io-client over WebSocket) for the /sessions namespace. */
import { io, type Socket } from 'socket.io-client';

export interface SocketFrame {
  event: string;
  data: Record<string, unknown>;
  meta: Record<string, unknown> | undefined;
}

export type JoinAck =
  | { ok: true; sessionId: string; afterSeq: number }
  | { ok: false; error: { code: string; message: string; fields?: { field: string; errors: string[] }[] } };

export class SessionSocket {
  readonly frames: SocketFrame[] = [];
  readonly socket: Socket;
  disconnectReason: string | undefined;
  private waiters: (() => void)[] = [];

  constructor(baseUrl: string, options: { token?: string; headers?: Record<string, string> } = {}) {
    this.socket = io(`${baseUrl}/sessions`, {
      auth: options.token === undefined ? {} : { token: options.token },
      extraHeaders: options.headers,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket.onAny((event: string, data: Record<string, unknown>, meta?: Record<string, unknown>) => {
      this.frames.push({ event, data, meta });
      this.notify();
    });
    this.socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      this.notify();
    });
    this.socket.on('connect_error', () => {
      this.notify();
    });
  }

  /** Events of one session, in arrival order (error frames excluded). */
  eventsOf(sessionId: string): SocketFrame[] {
    return this.frames.filter((f) => f.event !== 'error' && f.meta?.sessionId === sessionId);
  }

  get errors(): SocketFrame[] {
    return this.frames.filter((f) => f.event === 'error');
  }

  async join(sessionId: unknown, afterSeq?: unknown, extra: Record<string, unknown> = {}): Promise<JoinAck> {
    const payload = afterSeq === undefined ? { sessionId, ...extra } : { sessionId, afterSeq, ...extra };
    return (await this.socket.timeout(10_000).emitWithAck('join', payload)) as JoinAck;
  }

  async emitRaw(event: string, payload: unknown): Promise<unknown> {
    return this.socket.timeout(10_000).emitWithAck(event, payload);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves once `predicate` holds; rejects on timeout. */
  async waitFor(predicate: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.disconnect();
  }
}
