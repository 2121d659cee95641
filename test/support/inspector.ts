import WebSocket from 'ws';

/**
 * The V8 inspector of an app under test (started with `--inspect=127.0.0.1:<port>`), over the Chrome DevTools
 * Protocol: a test that asserts what a process *holds* forces a full garbage collection first, so what it reads is
 * live memory, not garbage the collector has not reached yet (which varies from run to run with GC timing).
 */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: number; error?: { message: string } };
      if (reply.id === undefined) return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error) waiter?.reject(new Error(`inspector: ${reply.error.message}`));
      else waiter?.resolve();
    });
    socket.on('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('inspector: connection closed'));
      this.pending.clear();
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const target = targets[0];
    if (!target) throw new Error(`inspector on ${port}: no target`);
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        resolve();
      });
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }

  /** A full, synchronous garbage collection in the inspected process. */
  collectGarbage(): Promise<void> {
    return this.call('HeapProfiler.collectGarbage');
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method }));
    });
  }
}
