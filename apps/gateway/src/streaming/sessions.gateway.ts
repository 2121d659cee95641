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
import { toSocketError } from './socket-error.mapper.js';
import { StreamDeliveryService } from './stream-delivery.service.js';

interface SocketState {
  principal?: Principal;
  authError?: unknown;
  streams: Map<string, () => void>;
  /** Sessions joined with cancelOnDisconnect: their open turns are cancelled when this socket goes away. */
  cancelOnDisconnect: Set<string>;
}

type SessionSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketState>;
type SessionsNamespace = Namespace<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketState>;

export type JoinAck =
  { ok: true; sessionId: string; afterSeq: number } | { ok: false; error: StreamErrorFrame };

/** Tells the other gateway instances (through the Redis adapter) to end streams of a revoked key. */
export const KEY_REVOKED_EVENT = 'soma:api-key-revoked';

class PayloadError extends Error {
  constructor(readonly frame: StreamErrorFrame) {
    super(frame.message);
  }
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
  ) {}

  afterInit(namespace: SessionsNamespace): void {
    this.delivery.attachNamespace(namespace as Namespace);
    namespace.use((socket, next) => {
      socket.data.streams = new Map();
      socket.data.cancelOnDisconnect = new Set();
      const auth = socket.handshake.auth as { token?: unknown };
      const token =
        typeof auth.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization);
      this.queryBus.execute(new ResolveApiKeyQuery(token)).then(
        (principal) => {
          socket.data.principal = principal;
          next();
        },
        (error: unknown) => {
          socket.data.authError = error;
          next();
        },
      );
    });
    namespace.on(KEY_REVOKED_EVENT, (keyId: unknown) => {
      if (typeof keyId === 'string') this.delivery.endStreamsOfKey(keyId);
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
      const principal = socket.data.principal;
      if (!principal) throw new PayloadError({ code: 'API_KEY_MISSING', message: 'not authenticated' });
      const { sessionId, afterSeq = 0, cancelOnDisconnect = false } = parsePayload(SocketJoinSchema, body);
      const id = sessionId.toLowerCase();
      await this.delivery.authorize(principal, id);
      socket.data.streams.get(id)?.();
      const close = await this.delivery.openSocket(principal, id, afterSeq, socket as Socket, () => {
        this.fail(socket, undefined, { code: 'API_KEY_INVALID', message: 'the API key was revoked' });
      });
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
      const principal = socket.data.principal;
      if (!principal) throw new PayloadError({ code: 'API_KEY_MISSING', message: 'not authenticated' });
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
      const principal = socket.data.principal;
      if (!principal) throw new PayloadError({ code: 'API_KEY_MISSING', message: 'not authenticated' });
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

  /** Ends streams of a revoked key on every instance: here directly, elsewhere through the adapter. */
  revokeKey(keyId: string): void {
    this.delivery.endStreamsOfKey(keyId);
    this.namespace.serverSideEmit(KEY_REVOKED_EVENT, keyId);
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
          ? { frame: error.frame, disconnect: error.frame.code === 'API_KEY_MISSING' }
          : toSocketError(error);
    if (mapped.frame.code === 'INTERNAL_ERROR')
      this.logger.error(error instanceof Error ? error : String(error));
    socket.emit('error', mapped.frame);
    // disconnect() (not close): the client sees "io server disconnect" and does not reconnect on its own.
    if (mapped.disconnect) socket.disconnect();
    return mapped.frame;
  }
}
