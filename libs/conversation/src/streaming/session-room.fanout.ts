import { type SeqCursor } from './seq-cursor.js';
import { type ReplayPacing, type SessionStreamHub } from './session-stream.hub.js';
import { type StreamEvent } from './stream-event.contract.js';
import { type Namespace, type Socket } from 'socket.io';

/** Called for every delivery (count = sockets reached by one write). */
export type DeliveryObserver = (event: StreamEvent, live: boolean, count: number) => void;

interface Member {
  socket: Socket;
  cursor: SeqCursor;
}

interface Room {
  sessionId: string;
  name: string;
  /** Created at the first live event when this instance knew no earlier seq of the session. */
  cursor: SeqCursor | undefined;
  base: number;
  catchingUp: Set<Member>;
  members: number;
  stop: () => void;
}

const position = (room: Room): number => room.cursor?.lastSeq ?? room.base;

/**
 * Socket.IO fan-out through one room per session on this instance: a live event is encoded once and written to
 * every socket in the room (an emit per socket costs an encode each). The room has its own SeqCursor, so it
 * broadcasts every seq once and in order (a gap is read back first). A joining socket first gets what it
 * missed individually, through a cursor of its own, and enters the room once it is exactly level with it.
 */
export class SessionRoomFanout {
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly hub: SessionStreamHub,
    private readonly namespace: () => Namespace,
    private readonly observe: DeliveryObserver,
  ) {}

  /** `pacing` paces the socket's own replay (the room's broadcasts are not paced: a slow member is cut off). */
  async join(
    sessionId: string,
    afterSeq: number,
    socket: Socket,
    pacing?: ReplayPacing,
  ): Promise<() => void> {
    const room = this.rooms.get(sessionId) ?? this.open(sessionId);
    room.members++;
    const member: Member = {
      socket,
      cursor: this.hub.cursor(
        sessionId,
        afterSeq,
        (event, live) => {
          socket.emit(event.type, event.data, { sessionId });
          this.observe(event, live, 1);
        },
        pacing,
      ),
    };
    room.catchingUp.add(member);
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      member.cursor.close();
      room.catchingUp.delete(member);
      void socket.leave(room.name);
      this.release(room);
    };
    try {
      await member.cursor.catchUp(Number.POSITIVE_INFINITY);
      await member.cursor.catchUp(Math.max(position(room), this.hub.headOf(sessionId)));
    } catch (error) {
      leave();
      throw error;
    }
    this.admitIfLevel(room, member);
    return leave;
  }

  private open(sessionId: string): Room {
    const room: Room = {
      sessionId,
      name: `session:${sessionId}`,
      cursor: undefined,
      base: this.hub.headOf(sessionId),
      catchingUp: new Set(),
      members: 0,
      stop: () => undefined,
    };
    if (room.base > 0) room.cursor = this.roomCursor(room, room.base);
    room.stop = this.hub.listen(sessionId, (event) => {
      room.cursor ??= this.roomCursor(room, event.seq - 1);
      room.cursor.offer(event, true);
    });
    this.rooms.set(sessionId, room);
    return room;
  }

  private roomCursor(room: Room, after: number): SeqCursor {
    return this.hub.cursor(room.sessionId, after, (event) => {
      this.broadcast(room, event);
    });
  }

  private broadcast(room: Room, event: StreamEvent): void {
    const namespace = this.namespace();
    const reached = namespace.adapter.rooms.get(room.name)?.size ?? 0;
    if (reached > 0) {
      namespace.local.to(room.name).emit(event.type, event.data, { sessionId: room.sessionId });
      this.observe(event, true, reached);
    }
    for (const member of room.catchingUp) {
      member.cursor.offer(event, true);
      this.admitIfLevel(room, member);
    }
  }

  /** In the room from here on: synchronous with the room's deliveries, so no event can fall in between. */
  private admitIfLevel(room: Room, member: Member): void {
    if (!member.cursor.idle || member.cursor.lastSeq !== position(room) || !room.catchingUp.has(member))
      return;
    room.catchingUp.delete(member);
    void member.socket.join(room.name);
  }

  private release(room: Room): void {
    room.members--;
    if (room.members > 0) return;
    room.stop();
    room.cursor?.close();
    if (this.rooms.get(room.sessionId) === room) this.rooms.delete(room.sessionId);
  }

  get roomCount(): number {
    return this.rooms.size;
  }
}
