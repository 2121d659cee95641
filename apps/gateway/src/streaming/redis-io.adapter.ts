import { type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { type SomaConfig } from '#soma/platform';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { type Server, type ServerOptions } from 'socket.io';

/**
 * Socket.IO behind the Redis adapter: every gateway instance shares rooms and server-side events
 * (used to end a revoked key's sockets on every instance). Each instance still delivers the session
 * events it consumes from Kafka to its own sockets, so nothing is delivered twice.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(
    app: INestApplicationContext,
    private readonly config: SomaConfig,
  ) {
    super(app);
    this.pub = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
    this.sub = this.pub.duplicate();
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      serveClient: false,
      maxHttpBufferSize: this.config.socketMaxPayloadBytes,
    } as ServerOptions);
    server.adapter(createAdapter(this.pub, this.sub, { key: 'soma:socket.io' }));
    return server;
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
