import { type FetchLike, type Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { pinnedLookup, type EgressTarget } from '#soma/platform';
import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ToolError } from '../tools.errors.js';

/**
 * The SDK's fetch for one MCP server: every request goes to the address the egress guard checked (the name stays
 * in Host and SNI), only to that origin, no redirects, and at most `capBytes` of response body per request.
 */
export function pinnedFetch(target: EgressTarget, capBytes: number): FetchLike {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      if (url.origin !== target.url.origin) {
        reject(new ToolError('EGRESS_REFUSED', `the MCP server sent us to another origin: ${url.origin}`));
        return;
      }
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== 'string') {
        reject(new ToolError('MCP_UNAVAILABLE', 'unsupported request body'));
        return;
      }
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: init?.method ?? 'GET',
          headers: Object.fromEntries(new Headers(init?.headers).entries()),
          lookup: pinnedLookup(target),
          agent: false,
          signal: init?.signal ?? undefined,
        },
        (res) => {
          let size = 0;
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              res.on('data', (chunk: Buffer) => {
                size += chunk.length;
                if (size > capBytes) {
                  controller.error(
                    new ToolError('MCP_RESULT_INVALID', `the MCP server sent more than ${capBytes} bytes`),
                  );
                  res.destroy();
                  return;
                }
                controller.enqueue(new Uint8Array(chunk));
              });
              res.on('end', () => {
                controller.close();
              });
              res.on('error', (error) => {
                controller.error(error);
              });
            },
            cancel() {
              res.destroy();
            },
          });
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
              headers.append(name, one);
          }
          const status = res.statusCode ?? 502;
          const nullBody = status === 204 || status === 304 || init?.method === 'HEAD';
          resolve(new Response(nullBody ? null : stream, { status, headers }));
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
}

/** The SDK's stdio framing over a server the sandbox jail started (we spawn it, not the SDK). */
export class JailedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Why the transport gave up (a line that is not a JSON-RPC message), if it did: the SDK only sees a close. */
  failure: ToolError | null = null;
  private readonly buffer: ReadBuffer;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    capBytes: number,
  ) {
    this.buffer = new ReadBuffer({ maxBufferSize: capBytes });
  }

  start(): Promise<void> {
    this.child.stdout.on('data', (chunk: Buffer) => {
      try {
        this.buffer.append(chunk);
        for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage())
          this.onmessage?.(message);
      } catch (error) {
        this.failure ??= new ToolError(
          'MCP_RESULT_INVALID',
          `the MCP server wrote something that is not a JSON-RPC message: ${(error as Error).message.slice(0, 300)}`,
        );
        this.onerror?.(this.failure);
        this.child.kill('SIGKILL');
      }
    });
    this.child.once('close', () => this.onclose?.());
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.stdin.write(serializeMessage(message))) resolve();
      else this.child.stdin.once('drain', resolve);
    });
  }

  close(): Promise<void> {
    this.child.stdin.end();
    this.buffer.clear();
    return Promise.resolve();
  }
}
