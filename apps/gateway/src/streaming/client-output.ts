import { type StreamErrorFrame } from '#soma/contracts';
import type { Response } from 'express';
import { type EventEmitter } from 'node:events';
import { type Socket } from 'socket.io';

export interface OutputLimits {
  /** Past this many bytes left unread, the client is cut off (STREAM_SLOW_READER). */
  maxBufferBytes: number;
  /** A replay page waits this long at most for the client to take the last one; so does a cut-off connection. */
  drainTimeoutMs: number;
}

export const SLOW_READER_FRAME: StreamErrorFrame = {
  code: 'STREAM_SLOW_READER',
  message: 'the client did not read its stream fast enough; resume with Last-Event-ID / afterSeq',
};

/**
 * What one client's connection holds in this process that the network has not taken yet. Every write is checked:
 * past `maxBufferBytes` the client is cut off once (an `error` frame, the connection ends; the stream's own
 * cleanup runs through `onCutOff`). A replay reads its next page only once `ready()` resolves: the output is
 * back under a quarter of the bound (or the connection is gone); after `drainTimeoutMs` without that the client is
 * cut off too. A connection still not closed `drainTimeoutMs` after its cut-off is destroyed.
 */
export abstract class ClientOutput {
  private readonly waiters = new Set<() => void>();
  private readonly cutOffListeners: (() => void)[] = [];
  private cut = false;
  protected closed = false;

  constructor(
    protected readonly limits: OutputLimits,
    private readonly counted: () => void,
  ) {}

  /** Bytes written for the client and not yet taken by the network (in this process's buffers). */
  abstract get pending(): number;

  get isCutOff(): boolean {
    return this.cut;
  }

  onCutOff(listener: () => void): void {
    this.cutOffListeners.push(listener);
  }

  ready(): Promise<void> {
    if (this.closed || this.cut || this.pending <= this.lowWater) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.cutOff();
      }, this.limits.drainTimeoutMs);
      this.waiters.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Ends the client's connection with the slow-reader error (once). */
  cutOff(): void {
    if (this.cut || this.closed) return;
    this.cut = true;
    this.counted();
    for (const listener of this.cutOffListeners) listener();
    this.endWithError();
    const timer = setTimeout(() => {
      if (!this.closed) this.destroy();
    }, this.limits.drainTimeoutMs);
    timer.unref();
    this.wake(true);
  }

  /** After every write: past the bound, the client is cut off (after the current delivery loop). */
  protected checked(): void {
    if (this.cut || this.pending <= this.limits.maxBufferBytes) return;
    queueMicrotask(() => {
      this.cutOff();
    });
  }

  /** The output drained some: a replay waiting for it goes on. */
  protected wake(always = false): void {
    if (!always && this.pending > this.lowWater) return;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  protected markClosed(): void {
    this.closed = true;
    this.wake(true);
  }

  private get lowWater(): number {
    return Math.floor(this.limits.maxBufferBytes / 4);
  }

  /** Sends the error frame and ends the connection once what is buffered before it was read. */
  protected abstract endWithError(): void;
  /** Drops the connection with whatever it still buffers. */
  protected abstract destroy(): void;
}

/** An SSE response: Node's own buffer (the response's and its socket's `writableLength`). */
export class SseOutput extends ClientOutput {
  constructor(
    private readonly response: Response,
    limits: OutputLimits,
    counted: () => void,
  ) {
    super(limits, counted);
    response.on('drain', () => {
      this.wake();
    });
    response.on('close', () => {
      this.markClosed();
    });
  }

  get pending(): number {
    return this.response.writableLength;
  }

  /** Nothing is written after the stream ended (a cut-off, a revocation). */
  write(text: string): void {
    if (this.isCutOff || this.response.writableEnded) return;
    this.response.write(text);
    this.checked();
  }

  end(text: string): void {
    if (this.isCutOff || this.response.writableEnded) return;
    this.response.end(text);
  }

  protected endWithError(): void {
    if (!this.response.writableEnded)
      this.response.end(`event: error\ndata: ${JSON.stringify(SLOW_READER_FRAME)}\n\n`);
  }

  protected destroy(): void {
    this.response.destroy();
  }
}

type EngineSocket = Socket['conn'];

function packetBytes(packet: unknown): number {
  if (typeof packet !== 'object' || packet === null || !('data' in packet)) return 1;
  const data = packet.data;
  if (typeof data === 'string') return data.length + 1;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength + 1;
  return 1;
}

/**
 * A Socket.IO connection (all its namespaces' streams): engine.io packets queued for the transport, plus the batch
 * the transport is writing (a websocket batch is done when its last frame reached the kernel: the transport's
 * `drain`). Counted from engine.io's own events, `packetCreate` and `flush`.
 */
export class SocketOutput extends ClientOutput {
  private queued = 0;
  private inFlight = 0;

  constructor(
    private readonly socket: Socket,
    limits: OutputLimits,
    counted: () => void,
  ) {
    super(limits, counted);
    const conn: EngineSocket = socket.conn;
    conn.on('packetCreate', (packet: unknown) => {
      this.queued += packetBytes(packet);
      this.checked();
    });
    conn.on('flush', () => {
      this.inFlight += this.queued;
      this.queued = 0;
    });
    const watch = (transport: EventEmitter): void => {
      transport.on('drain', () => {
        this.inFlight = 0;
        this.wake();
      });
    };
    watch(conn.transport);
    conn.on('upgrade', watch);
    conn.once('close', () => {
      this.markClosed();
    });
  }

  get pending(): number {
    return this.queued + this.inFlight;
  }

  protected endWithError(): void {
    this.socket.emit('error', SLOW_READER_FRAME);
    // The whole connection: its buffers go with it once the client read them (or at the destroy below).
    this.socket.disconnect(true);
  }

  protected destroy(): void {
    this.socket.conn.close(true);
  }
}
