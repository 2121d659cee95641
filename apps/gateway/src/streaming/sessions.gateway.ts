import { Logger } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import {
  checkPayload,
  SocketApprovalSchema,
  SocketCancelSchema,
  SocketJoinSchema,
  SocketLeaveSchema,
  type SocketApprovalAck,
  type SocketCancelAck,
  type StreamErrorFrame,
} from '#soma/contracts';
import { CancelOpenTurnsCommand, CancelTurnCommand } from '#soma/conversation';
import { ResolveApiKeyQuery, type Principal } from '#soma/identity';
import { currentCorrelationId } from '#soma/platform';
import { AnswerToolApprovalCommand, toolApprovalAnswer } from '#soma/requeue';
import { type TSchema, type Static } from '@sinclair/typebox';
import { type DefaultEventsMap, type Namespace, type Socket } from 'socket.io';
import { bearerToken } from '../auth/api-key.guard.js';
import { type SocketOutput } from './client-output.js';
import { RateLimiter, type LimitResult } from '../http/rate-limiter.service.js';
import { toSocketError } from './socket-error.mapper.js';
import { StreamDeliveryService } from './stream-delivery.service.js';

interface SocketState {
  principal?: Principal;
  /** The presented key, re-resolved before every event: a key revoked since the handshake is refused. */
  token?: string;
  authError?: unknown;
  streams: Map<string, () => void>;
  /** Sessions joined with cancelOnDisconnect: their open turns are cancelled when this socket goes away. */
  cancelOnDisconnect: Set<string>;
  /** What the connection holds unread: past the bound the socket is cut off (STREAM_SLOW_READER). */
  output: SocketOutput;
}

type SessionSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketState>;
type SessionsNamespace = Namespace<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketState>;

export type JoinAck =
  { ok: true; sessionId: string; afterSeq: number } | { ok: false; error: StreamErrorFrame };

/** Tells the other gateway instances (through the Redis adapter) to end streams of a revoked key. */
export const KEY_REVOKED_EVENT = 'soma:api-key-revoked';

/** Every socket joins the room of its API key at the handshake, so revocation finds idle sockets too. */
export const keyRoom = (keyId: string): string => `key:${keyId}`;

const REVOKED_FRAME: StreamErrorFrame = { code: 'API_KEY_INVALID', message: 'the API key was revoked' };

class PayloadError extends Error {
  constructor(
    readonly frame: StreamErrorFrame,
    readonly disconnect = frame.code === 'API_KEY_MISSING',
  ) {
    super(frame.message);
  }
}

function rateLimited(result: LimitResult, what: string): StreamErrorFrame {
  return {
    code: 'RATE_LIMITED',
    message: `${what}: rate limit of ${result.limit} per window (per ${result.scope}) exceeded; retry in ${result.retryAfterSeconds} s`,
  };
}

/** Client payloads are validated against their contract (libs/contracts), unknown fields rejected. */
function parsePayload<T extends TSchema>(schema: T, body: unknown): Static<T> {
  const result = checkPayload(schema, body);
  if (result.ok) return result.value;
  const message = result.fields.map((f) => `${f.field}: ${f.errors.join(', ')}`).join('; ');
  throw new PayloadError({ code: 'VALIDATION_FAILED', message, fields: result.fields });
}

/**
 * Socket.IO namespace `/sessions`: API key at the handshake (`auth.token` or `Authorization: Bearer`),
 * `join {sessionId, afterSeq?}` replays what the client missed then streams live, with the same event names
 * and payloads as SSE (event = type, first argument = data with seq, second argument = `{ sessionId }`).
 */
@WebSocketGateway({ namespace: '/sessions' })
export class SessionsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(SessionsGateway.name);
  @WebSocketServer() private readonly namespace!: SessionsNamespace;

  constructor(
    private readonly queryBus: QueryBus,
    private readonly commandBus: CommandBus,
    private readonly delivery: StreamDeliveryService,
    private readonly limiter: RateLimiter,
  ) {}

  afterInit(namespace: SessionsNamespace): void {
    this.delivery.attachNamespace(namespace as Namespace);
    namespace.use((socket, next) => {
      socket.data.streams = new Map();
      socket.data.cancelOnDisconnect = new Set();
      socket.data.output = this.delivery.socketOutput(socket as Socket);
      const auth = socket.handshake.auth as { token?: unknown };
      const token =
        typeof auth.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization);
      socket.data.token = token;
      // Connections are counted per client IP before the key is looked up (a flood costs no query).
      this.connectionAllowed(socket.handshake.address)
        .then(() => this.queryBus.execute(new ResolveApiKeyQuery(token)))
        .then(
          (principal) => {
            socket.data.principal = principal;
            // Joined before the connection is acknowledged: no revocation can fall between the two.
            void socket.join(keyRoom(principal.keyId));
            next();
          },
          (error: unknown) => {
            socket.data.authError = error;
            next();
          },
        );
    });
    namespace.on(KEY_REVOKED_EVENT, (keyId: unknown) => {
      if (typeof keyId === 'string') this.disconnectKey(keyId);
    });
  }

  /** A bad handshake gets an `error` frame, then the server disconnects. */
  handleConnection(socket: SessionSocket): void {
    if (socket.data.principal) return;
    this.fail(socket, socket.data.authError);
  }

  handleDisconnect(socket: SessionSocket): void {
    for (const close of socket.data.streams.values()) close();
    socket.data.streams.clear();
    for (const sessionId of socket.data.cancelOnDisconnect) this.cancelOpenTurns(socket, sessionId);
    socket.data.cancelOnDisconnect.clear();
  }

  @SubscribeMessage('join')
  async join(@ConnectedSocket() socket: SessionSocket, @MessageBody() body: unknown): Promise<JoinAck> {
    try {
      const principal = await this.recheck(socket);
      const { sessionId, afterSeq = 0, cancelOnDisconnect = false } = parsePayload(SocketJoinSchema, body);
      const id = sessionId.toLowerCase();
      await this.delivery.authorize(principal, id);
      socket.data.streams.get(id)?.();
      const close = await this.delivery.openSocket(
        principal,
        id,
        afterSeq,
        socket as Socket,
        socket.data.output,
        () => {
          this.fail(socket, undefined, REVOKED_FRAME);
        },
      );
      if (socket.disconnected) close();
      else socket.data.streams.set(id, close);
      if (cancelOnDisconnect) socket.data.cancelOnDisconnect.add(id);
      else socket.data.cancelOnDisconnect.delete(id);
      return { ok: true, sessionId: id, afterSeq };
    } catch (error) {
      return { ok: false, error: this.fail(socket, error) };
    }
  }

  @SubscribeMessage('leave')
  leave(@ConnectedSocket() socket: SessionSocket, @MessageBody() body: unknown): { ok: boolean } {
    try {
      const { sessionId } = parsePayload(SocketLeaveSchema, body);
      const id = sessionId.toLowerCase();
      socket.data.streams.get(id)?.();
      return { ok: socket.data.streams.delete(id) };
    } catch (error) {
      this.fail(socket, error);
      return { ok: false };
    }
  }

  /** Cancels a turn of a session of the caller's tenant; acknowledged with the turn's state (idempotent). */
  @SubscribeMessage('cancel')
  async cancel(
    @ConnectedSocket() socket: SessionSocket,
    @MessageBody() body: unknown,
  ): Promise<SocketCancelAck> {
    try {
      const principal = await this.recheck(socket);
      const { sessionId, turnId } = parsePayload(SocketCancelSchema, body);
      const by = { role: principal.role, keyId: principal.keyId, via: 'socket' as const };
      const state = await this.commandBus.execute(
        new CancelTurnCommand(
          principal.tenantId,
          sessionId.toLowerCase(),
          turnId.toLowerCase(),
          by,
          currentCorrelationId(),
        ),
      );
      return { ok: true, turnId: state.turnId, status: state.status, cancelRequested: state.cancelRequested };
    } catch (error) {
      return { ok: false, error: this.fail(socket, error) };
    }
  }

  /**
   * `approval {sessionId, toolCallId, decision, arguments?, message?}`: answers a pending tool approval, as
   * POST /v1/sessions/{id}/approvals/{toolCallId} does; acknowledged with the recorded answer or an error frame.
   */
  @SubscribeMessage('approval')
  async approval(
    @ConnectedSocket() socket: SessionSocket,
    @MessageBody() body: unknown,
  ): Promise<SocketApprovalAck> {
    try {
      const principal = await this.recheck(socket);
      const { sessionId, toolCallId, ...input } = parsePayload(SocketApprovalSchema, body);
      const answered = await this.commandBus.execute(
        new AnswerToolApprovalCommand(
          principal,
          sessionId.toLowerCase(),
          toolCallId.toLowerCase(),
          toolApprovalAnswer(input),
          currentCorrelationId(),
        ),
      );
      return { ok: true, toolCallId: answered.toolCallId, status: answered.status };
    } catch (error) {
      return { ok: false, error: this.fail(socket, error) };
    }
  }

  /** Ends a revoked key's streams and sockets on every instance: here directly, elsewhere through the adapter. */
  revokeKey(keyId: string): void {
    // The other instances first: nothing that fails here may keep the message from them.
    this.namespace.serverSideEmit(KEY_REVOKED_EVENT, keyId);
    this.disconnectKey(keyId);
  }

  /** This instance's part: SSE and socket streams end, then every socket of the key (idle ones too) is cut off. */
  private disconnectKey(keyId: string): void {
    try {
      this.delivery.endStreamsOfKey(keyId);
    } finally {
      const ids = this.namespace.adapter.rooms.get(keyRoom(keyId)) ?? new Set<string>();
      for (const id of [...ids]) {
        const socket = this.namespace.sockets.get(id);
        if (socket?.connected) this.fail(socket, undefined, REVOKED_FRAME);
      }
    }
  }

  private async connectionAllowed(ip: string): Promise<void> {
    const result = await this.limiter.hit('socket-connect', ip);
    if (!result.allowed) throw new PayloadError(rateLimited(result, 'connection'), true);
  }

  /**
   * Every event: counted per key (over the limit → RATE_LIMITED, the socket stays), and the key resolved again
   * (revoked since the handshake → API_KEY_INVALID, disconnected).
   */
  private async recheck(socket: SessionSocket): Promise<Principal> {
    const current = socket.data.principal;
    if (!current) throw new PayloadError({ code: 'API_KEY_MISSING', message: 'not authenticated' });
    const result = await this.limiter.hit('socket-event', current.keyId);
    if (!result.allowed) throw new PayloadError(rateLimited(result, 'event'));
    return this.queryBus.execute(new ResolveApiKeyQuery(socket.data.token));
  }

  private cancelOpenTurns(socket: SessionSocket, sessionId: string): void {
    const principal = socket.data.principal;
    if (!principal) return;
    const by = { role: principal.role, keyId: principal.keyId, via: 'disconnect' as const };
    this.commandBus
      .execute(new CancelOpenTurnsCommand(principal.tenantId, sessionId, by, currentCorrelationId()))
      .catch((error: unknown) => {
        this.logger.error({ msg: 'cancel on disconnect failed', sessionId, error: String(error) });
      });
  }

  private fail(socket: SessionSocket, error: unknown, preset?: StreamErrorFrame): StreamErrorFrame {
    const mapped =
      preset !== undefined
        ? { frame: preset, disconnect: true }
        : error instanceof PayloadError
          ? { frame: error.frame, disconnect: error.disconnect }
          : toSocketError(error);
    if (mapped.frame.code === 'INTERNAL_ERROR')
      this.logger.error(error instanceof Error ? error : String(error));
    socket.emit('error', mapped.frame);
    // disconnect() (not close): the client sees "io server disconnect" and does not reconnect on its own.
    if (mapped.disconnect) socket.disconnect();
    return mapped.frame;
  }
}
