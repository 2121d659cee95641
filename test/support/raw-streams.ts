/**
 * Stream clients over a raw TCP socket, so a test can stop reading (pause the socket: the kernel buffers fill,
 * then the server's) and later read what was left: SSE (HTTP/1.1, chunked) and Socket.IO over a WebSocket
 * (engine.io v4 framing, written here: text frames only, as the server sends them without compression).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawFrame {
  /** SSE: the event name; Socket.IO: the event name of an EVENT packet. */
  event: string;
  data: Record<string, unknown>;
  /** SSE `id` (seq), when present. */
  id?: number;
}

abstract class RawClient {
  readonly frames: RawFrame[] = [];
  ended = false;
  protected readonly socket: Socket;
  private waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => {
      this.onBytes(chunk);
      this.notify();
    });
    const ended = () => {
      this.ended = true;
      this.notify();
    };
    this.socket.on('end', ended);
    this.socket.on('close', ended);
    this.socket.on('error', ended);
  }

  /** Stops reading: the socket's data stays in the kernel buffers, then in the server's. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  async waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Seqs of the token events received, in order. */
  seqs(): number[] {
    return this.frames.filter((f) => f.event === 'token').map((f) => Number(f.data.seq));
  }

  protected abstract onBytes(chunk: Buffer): void;

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** `GET /v1/sessions/{id}/events` over HTTP/1.1; the chunked body is decoded into SSE frames. */
export class RawSseClient extends RawClient {
  status = 0;
  /** The server's `: connected` comment arrived (the stream is subscribed). */
  connected = false;
  private raw = Buffer.alloc(0);
  private headersDone = false;
  private text = '';

  constructor(port: number, key: string, sessionId: string, lastEventId?: number) {
    super(port);
    const resume = lastEventId === undefined ? '' : `Last-Event-ID: ${lastEventId}\r\n`;
    this.socket.write(
      `GET /v1/sessions/${sessionId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
        `Accept: text/event-stream\r\n${resume}\r\n`,
    );
  }

  protected onBytes(chunk: Buffer): void {
    this.raw = Buffer.concat([this.raw, chunk]);
    if (!this.headersDone) {
      const end = this.raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.status = Number(/^HTTP\/1\.1 (\d+)/.exec(this.raw.subarray(0, end).toString())?.[1] ?? 0);
      this.raw = this.raw.subarray(end + 4);
      this.headersDone = true;
    }
    for (;;) {
      const line = this.raw.indexOf('\r\n');
      if (line < 0) return;
      const size = parseInt(this.raw.subarray(0, line).toString(), 16);
      if (this.raw.length < line + 2 + size + 2) return;
      this.text += this.raw.subarray(line + 2, line + 2 + size).toString();
      this.raw = this.raw.subarray(line + 2 + size + 2);
      this.parseFrames();
    }
  }

  private parseFrames(): void {
    for (let end = this.text.indexOf('\n\n'); end >= 0; end = this.text.indexOf('\n\n')) {
      const block = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      let event = 'message';
      let data = '';
      let id: number | undefined;
      if (block.startsWith(': connected')) this.connected = true;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
        else if (line.startsWith('id: ')) id = Number(line.slice(4));
      }
      if (data !== '') this.frames.push({ event, data: JSON.parse(data) as Record<string, unknown>, id });
    }
  }
}

/** Socket.IO namespace `/sessions` over a raw WebSocket (`transport=websocket`, EIO 4). */
export class RawSocketIoClient extends RawClient {
  upgraded = false;
  connectedToNamespace = false;
  readonly acks = new Map<number, unknown>();
  /** Packets other than events and acks (for example `41/sessions,`, a server disconnect). */
  readonly control: string[] = [];
  closeFrame = false;
  private raw = Buffer.alloc(0);
  private nextAck = 1;
  private readonly key: string;

  constructor(port: number, key: string) {
    super(port);
    const nonce = randomBytes(16).toString('base64');
    this.socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${nonce}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    this.key = key;
  }

  /** Emits `join` with an ack id; the ack lands in `acks`. */
  join(sessionId: string, afterSeq?: number): number {
    const id = this.nextAck++;
    const body = afterSeq === undefined ? { sessionId } : { sessionId, afterSeq };
    this.send(`42/sessions,${id}${JSON.stringify(['join', body])}`);
    return id;
  }

  protected onBytes(chunk: Buffer): void {
    this.raw = Buffer.concat([this.raw, chunk]);
    if (!this.upgraded) {
      const end = this.raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!this.raw.subarray(0, end).toString().startsWith('HTTP/1.1 101')) throw new Error('no upgrade');
      this.raw = this.raw.subarray(end + 4);
      this.upgraded = true;
    }
    for (;;) {
      if (this.raw.length < 2) return;
      const opcode = (this.raw[0] ?? 0) & 0x0f;
      let length = (this.raw[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.raw.length < 4) return;
        length = this.raw.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.raw.length < 10) return;
        length = Number(this.raw.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.raw.length < offset + length) return;
      const payload = this.raw.subarray(offset, offset + length).toString();
      this.raw = this.raw.subarray(offset + length);
      if (opcode === 0x8) this.closeFrame = true;
      else if (opcode === 0x1) this.onPacket(payload);
    }
  }

  private onPacket(packet: string): void {
    if (packet.startsWith('0')) this.send(`40/sessions,${JSON.stringify({ token: this.key })}`);
    else if (packet === '2') this.send('3');
    else if (packet.startsWith('40/sessions,')) this.connectedToNamespace = true;
    else if (packet.startsWith('42/sessions,')) {
      const [event, data] = JSON.parse(packet.slice('42/sessions,'.length)) as [
        string,
        Record<string, unknown>,
      ];
      this.frames.push({ event, data });
    } else if (packet.startsWith('43/sessions,')) {
      const rest = packet.slice('43/sessions,'.length);
      const bracket = rest.indexOf('[');
      const [ack] = JSON.parse(rest.slice(bracket)) as [unknown];
      this.acks.set(Number(rest.slice(0, bracket)), ack);
    } else this.control.push(packet);
  }

  /** A masked text frame (clients must mask). */
  private send(text: string): void {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
    this.socket.write(Buffer.concat([header, mask, masked]));
  }
}
