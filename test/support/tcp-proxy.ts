/**
 * A real TCP proxy between a client and the gateway that a test can cut: it forwards bytes both ways, and once
 * armed, ends a connection right after a chosen SSE frame (dropping whatever followed it) and refuses new
 * connections for a while, as a flaky network would.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ProxiedConnection {
  /** The request head the client sent (to read its Last-Event-ID). */
  requestHead: string;
  refused: boolean;
}

export class CuttingProxy {
  readonly connections: ProxiedConnection[] = [];
  private readonly sockets = new Set<Socket>();
  private refuseUntil = 0;
  private cut: { marker: string; refuseMs: number; done: () => void } | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<CuttingProxy> {
    const { hostname, port } = new URL(target);
    const accepting: { proxy?: CuttingProxy } = {};
    const server = createServer((client) => {
      accepting.proxy?.accept(client, hostname, Number(port));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    const proxy = new CuttingProxy(server, `http://127.0.0.1:${address.port}`);
    accepting.proxy = proxy;
    return proxy;
  }

  /** Resolves once a connection has been cut right after the first frame containing `marker`. */
  cutAfterFrame(marker: string, refuseMs: number): Promise<void> {
    return new Promise((done) => {
      this.cut = { marker, refuseMs, done };
    });
  }

  private accept(client: Socket, host: string, port: number): void {
    const connection: ProxiedConnection = { requestHead: '', refused: Date.now() < this.refuseUntil };
    this.connections.push(connection);
    if (connection.refused) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    this.sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (connection.requestHead.length < 4096) connection.requestHead += chunk.toString('latin1');
      upstream.write(chunk);
    });
    let downstream = '';
    let severed = false;
    upstream.on('data', (chunk: Buffer) => {
      if (severed) return;
      const cut = this.cut;
      if (!cut) {
        client.write(chunk);
        return;
      }
      const before = downstream.length;
      downstream += chunk.toString('latin1');
      const at = downstream.indexOf(cut.marker);
      const end = at < 0 ? -1 : downstream.indexOf('\n\n', at);
      if (end < 0) {
        client.write(chunk);
        return;
      }
      // Forward up to the end of that frame, drop the rest, and cut both sides.
      severed = true;
      client.write(chunk.subarray(0, end + 2 - before), () => {
        close();
      });
      this.cut = undefined;
      this.refuseUntil = Date.now() + cut.refuseMs;
      cut.done();
    });
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
