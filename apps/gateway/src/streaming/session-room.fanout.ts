import { type ReplayLogRepository, type SessionStreamHub, type StreamEvent } from '#soma/conversation';
import { type Namespace, type Socket } from 'socket.io';

/** Called for every delivery (count = sockets reached by one write). */
export type DeliveryObserver = (event: StreamEvent, live: boolean, count: number) => void;

interface Member {
  socket: Socket;
  last: number;
}

interface Room {
  sessionId: string;
  name: string;
  lastSeq: number;
  /** Recently broadcast events, so a joining socket bridges the gap between its replay read and the room. */
  recent: StreamEvent[];
  catchingUp: Set<Member>;
  members: number;
  stop: () => void;
}

const RECENT_CAP = 512;

/**
 * Socket.IO fan-out through one room per session on this instance: a live event is encoded once and written to
 * every socket in the room (an emit per socket costs an encode each). A joining socket first gets what it missed
 * individually (replay log, then the recent events of the room) and enters the room once it is level with it,
 * so no event is skipped or sent twice in the hand-over.
 */
export class SessionRoomFanout {
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly hub: SessionStreamHub,
    private readonly replayLog: ReplayLogRepository,
    private readonly namespace: () => Namespace,
    private readonly observe: DeliveryObserver,
  ) {}

  async join(sessionId: string, afterSeq: number, socket: Socket): Promise<() => void> {
    const room = this.rooms.get(sessionId) ?? this.open(sessionId);
    room.members++;
    const member: Member = { socket, last: afterSeq };
    const send = (event: StreamEvent, live: boolean): void => {
      if (event.seq <= member.last) return;
      member.last = event.seq;
      socket.emit(event.type, event.data, { sessionId });
      this.observe(event, live, 1);
    };
    try {
      // Everything broadcast was appended to the log first; re-read if the recent buffer cannot bridge the gap.
      for (;;) {
        for (const event of await this.replayLog.readAfter(sessionId, member.last)) send(event, false);
        const oldest = room.recent[0];
        if (room.recent.length < RECENT_CAP || !oldest || oldest.seq <= member.last + 1) break;
      }
    } catch (error) {
      this.release(room);
      throw error;
    }
    // From here to the end, synchronous: no live event can interleave.
    for (const event of room.recent) send(event, true);
    if (member.last <= room.lastSeq) void socket.join(room.name);
    else room.catchingUp.add(member);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      room.catchingUp.delete(member);
      void socket.leave(room.name);
      this.release(room);
    };
  }

  private open(sessionId: string): Room {
    const room: Room = {
      sessionId,
      name: `session:${sessionId}`,
      lastSeq: 0,
      recent: [],
      catchingUp: new Set(),
      members: 0,
      stop: () => undefined,
    };
    room.stop = this.hub.listen(sessionId, (event) => {
      this.broadcast(sessionId, room, event);
    });
    this.rooms.set(sessionId, room);
    return room;
  }

  private broadcast(sessionId: string, room: Room, event: StreamEvent): void {
    if (event.seq <= room.lastSeq) return; // a redelivery
    room.lastSeq = event.seq;
    room.recent.push(event);
    if (room.recent.length > RECENT_CAP) room.recent.shift();
    const namespace = this.namespace();
    const reached = namespace.adapter.rooms.get(room.name)?.size ?? 0;
    if (reached > 0) {
      namespace.local.to(room.name).emit(event.type, event.data, { sessionId });
      this.observe(event, true, reached);
    }
    for (const member of room.catchingUp) {
      if (event.seq > member.last) {
        member.last = event.seq;
        member.socket.emit(event.type, event.data, { sessionId });
        this.observe(event, true, 1);
      }
      if (member.last <= room.lastSeq) {
        room.catchingUp.delete(member);
        void member.socket.join(room.name);
      }
    }
  }

  private release(room: Room): void {
    room.members--;
    if (room.members > 0) return;
    room.stop();
    if (this.rooms.get(room.sessionId) === room) this.rooms.delete(room.sessionId);
  }

  get roomCount(): number {
    return this.rooms.size;
  }
}
