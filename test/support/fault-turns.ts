/**
 * Turns under a fault: each session is watched over raw SSE (every frame the server sent is kept, duplicates
 * and gaps included), reconnecting with Last-Event-ID — to another gateway when given several — when its
 * connection drops. `judge` then checks each promise of DESIGN.md "Integrity under faults" for every turn.
 */
import { type ApiClient, SseStream, type SseEvent } from '#soma/client';
import { terminalEventTypes } from '#soma/contracts';
import { expect } from 'vitest';
import { type FaultRow, recordFaultRow } from './fault-report.js';
import { sessionWithProfile } from './sessions.js';

const TERMINAL = new Set<string>(terminalEventTypes);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Frame {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  /** Which connection (0, 1, ...) delivered it, and when (ms since the epoch). */
  connection: number;
  at: number;
}

/** One session's stream as a client sees it, across reconnections. */
export class SessionWatch {
  readonly frames: Frame[] = [];
  private stream: SseStream | undefined;
  private connection = -1;
  private closed = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly gatewayUrls: () => string[],
    private readonly headers: Record<string, string>,
    readonly sessionId: string,
  ) {
    this.loop = this.follow();
  }

  get lastSeq(): number {
    return this.frames.at(-1)?.seq ?? 0;
  }

  /** Resolves once the server has taken the first connection. */
  async opened(): Promise<void> {
    while (!this.stream) await sleep(10);
    const status = await this.stream.status;
    if (status !== 200) throw new Error(`SSE answered ${status}`);
  }

  private async follow(): Promise<void> {
    while (!this.closed) {
      const urls = this.gatewayUrls();
      const url = urls[(this.connection + 1) % urls.length] ?? urls[0];
      this.connection++;
      const connection = this.connection;
      const headers = {
        ...this.headers,
        ...(this.lastSeq > 0 ? { 'last-event-id': String(this.lastSeq) } : {}),
      };
      const stream = new SseStream(`${url}/v1/sessions/${this.sessionId}/events`, headers);
      this.stream = stream;
      const seen = { count: 0 };
      try {
        await stream.waitFor((events) => {
          for (const event of events.slice(seen.count)) this.take(event, connection);
          seen.count = events.length;
          return this.closed;
        }, 3_600_000);
      } catch {
        // dropped (a gateway died, a restart): reconnect after the last seq seen
      }
      for (const event of stream.events.slice(seen.count)) this.take(event, connection);
      stream.close();
      if (!this.closed) await sleep(200);
    }
  }

  private take(event: SseEvent, connection: number): void {
    if (event.event === 'error') return;
    this.frames.push({
      seq: Number(event.id),
      type: event.event,
      data: JSON.parse(event.data) as Record<string, unknown>,
      connection,
      at: Date.now(),
    });
  }

  ofTurn(turnId: string): Frame[] {
    return this.frames.filter((f) => f.data.turnId === turnId);
  }

  async waitTerminal(turnId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ofTurn(turnId).some((f) => TERMINAL.has(f.type))) {
      if (Date.now() > deadline)
        throw new Error(`no terminal event for turn ${turnId} after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.close();
    await this.loop;
  }
}

export interface WatchedTurn {
  watch: SessionWatch;
  sessionId: string;
  turnId: string;
}

/** `count` sessions on a profile of their own, each watched, each posted `content`; returns once all accepted. */
export async function startTurns(
  api: ApiClient,
  count: number,
  content: string,
  options: { maxTokens?: number; gatewayUrls?: () => string[] } = {},
): Promise<WatchedTurn[]> {
  const urls = options.gatewayUrls ?? (() => [api.baseUrl]);
  const sessions = await Promise.all(
    Array.from({ length: count }, () =>
      sessionWithProfile(api, { name: 'faults', maxTokens: options.maxTokens ?? 160 }),
    ),
  );
  const watches = sessions.map(({ sessionId }) => new SessionWatch(urls, api.authHeaders(), sessionId));
  await Promise.all(watches.map((watch) => watch.opened()));
  return Promise.all(
    watches.map(async (watch) => {
      const { turnId } = await api.postMessage(watch.sessionId, content);
      return { watch, sessionId: watch.sessionId, turnId };
    }),
  );
}

export interface TurnVerdict {
  turnId: string;
  terminals: string[];
  code: string | null;
  lost: number;
  duplicates: number;
  replyMatches: boolean;
  status: string;
  attempts: number;
  instanceId: string | null;
}

/**
 * What happened to each turn: its terminal events, seqs lost or repeated on the live stream (and on a fresh
 * resume from seq 0), whether the persisted reply equals the streamed deltas, and its final state.
 */
export async function judge(api: ApiClient, turns: readonly WatchedTurn[]): Promise<TurnVerdict[]> {
  // Losses and repeats are a property of a session's stream: counted once per session.
  const counted = new Set<SessionWatch>();
  const verdicts: TurnVerdict[] = [];
  for (const { watch, sessionId, turnId } of turns) {
    let lost = 0;
    let duplicates = 0;
    if (!counted.has(watch)) {
      counted.add(watch);
      ({ lost, duplicates } = await streamLosses(api, watch));
    }
    const own = watch.ofTurn(turnId);
    const terminals = own.filter((f) => TERMINAL.has(f.type));
    const deltas = own.filter((f) => f.type === 'token').map((f) => String(f.data.delta));
    const messages = await api.messages(sessionId);
    const reply = messages.find(
      (m) => m.turnId === turnId && m.role === 'assistant' && !m.content.startsWith('{"tool_call"'),
    );
    const turns = await api.listAll<{
      id: string;
      status: string;
      attempts: number;
      instanceId: string | null;
    }>(`/v1/sessions/${sessionId}/turns`, 50);
    const turn = turns.find((t) => t.id === turnId);
    // A completed turn keeps its reply, a cancelled one what it streamed (if anything), a failed one none.
    const end = terminals[0]?.type;
    const kept = end === 'turn.completed' || (end === 'turn.cancelled' && deltas.length > 0);
    verdicts.push({
      turnId,
      terminals: terminals.map((f) => f.type),
      code: (terminals[0]?.data.code as string | undefined) ?? null,
      lost,
      duplicates,
      replyMatches: kept ? reply?.content === deltas.join('') : reply === undefined,
      status: turn?.status ?? 'missing',
      attempts: turn?.attempts ?? 0,
      instanceId: turn?.instanceId ?? null,
    });
  }
  return verdicts;
}

/** Seqs missing or repeated on the live stream, and missing on a fresh resume from the start. */
async function streamLosses(
  api: ApiClient,
  watch: SessionWatch,
): Promise<{ lost: number; duplicates: number }> {
  const seqs = watch.frames.map((f) => f.seq);
  const distinct = new Set(seqs);
  const max = Math.max(0, ...seqs);
  const outOfOrder = seqs.filter((seq, i) => i > 0 && seq < (seqs[i - 1] ?? 0)).length;
  const replay = new SseStream(`${api.baseUrl}/v1/sessions/${watch.sessionId}/events`, api.authHeaders());
  const replayed = await replay.waitFor((events) => events.length >= max, 30_000).catch(() => replay.events);
  replay.close();
  const replaySeqs = replayed.map((e) => Number(e.id));
  const resumeIntact = replaySeqs.length >= max && replaySeqs.every((seq, i) => seq === i + 1);
  return {
    lost: max - distinct.size + (resumeIntact ? 0 : Math.max(1, max - replaySeqs.length)),
    duplicates: seqs.length - distinct.size + outOfOrder,
  };
}

/** Records the scenario's row for `npm run faults` and asserts the promises that hold whatever the fault. */
export function report(
  scenario: string,
  verdicts: readonly TurnVerdict[],
  recoveryMs: number | null,
): FaultRow {
  const failed: Record<string, number> = {};
  for (const v of verdicts) if (v.code) failed[v.code] = (failed[v.code] ?? 0) + 1;
  const row: FaultRow = {
    scenario,
    turns: verdicts.length,
    completed: verdicts.filter((v) => v.terminals[0] === 'turn.completed').length,
    cancelled: verdicts.filter((v) => v.terminals[0] === 'turn.cancelled').length,
    failed,
    lostEvents: verdicts.reduce((sum, v) => sum + v.lost, 0),
    duplicateEvents: verdicts.reduce((sum, v) => sum + v.duplicates, 0),
    recoveryMs,
  };
  recordFaultRow(row);
  for (const v of verdicts) {
    expect(v.terminals, `turn ${v.turnId}: exactly one terminal event`).toHaveLength(1);
    expect(v.lost, `turn ${v.turnId}: no event lost`).toBe(0);
    expect(v.duplicates, `turn ${v.turnId}: no event repeated`).toBe(0);
    expect(v.replyMatches, `turn ${v.turnId}: the persisted reply is the streamed deltas`).toBe(true);
    expect(['completed', 'failed', 'cancelled'], `turn ${v.turnId}: ended`).toContain(v.status);
  }
  return row;
}

export async function closeAll(turns: readonly WatchedTurn[]): Promise<void> {
  await Promise.all(turns.map((t) => t.watch.close()));
}
