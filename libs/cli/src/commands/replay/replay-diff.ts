import type { ToolCallView, TurnView } from '#soma/client';
import { type SessionRecording } from '../sessions-show/session.format.js';
import { diffText, type DiffPart } from './text-diff.js';

/** What one side did for one user message: the turn it started and any turns that continued it. */
export interface TurnSide {
  turnIds: string[];
  status: string;
  errorCode: string | null;
  reply: string;
  usage: { promptTokens: number; completionTokens: number } | null;
  toolCalls: {
    tool: string;
    arguments: Record<string, unknown>;
    status: string;
    source: string | null;
    decisions: { outcome: string; ruleIds: string[] }[];
  }[];
}

const compare = (source: number | null, replay: number | null) => ({
  source,
  replay,
  delta: source === null || replay === null ? null : replay - source,
});

export interface TurnDiff {
  index: number;
  userMessage: string;
  source: TurnSide;
  replay: TurnSide | null;
  reply: { same: boolean; diff: DiffPart[] };
  tokens: { prompt: ReturnType<typeof compare>; completion: ReturnType<typeof compare> };
  toolCalls: { same: boolean };
  decisions: { same: boolean };
}

export interface ReplayDiff {
  source: { sessionId: string; modelProfileId: string | null };
  replay: { sessionId: string; modelProfileId: string | null; toolResults: 'recorded' | 'live' };
  turns: TurnDiff[];
  summary: {
    turns: number;
    sameReplies: number;
    sameToolCalls: number;
    sameDecisions: number;
    promptTokens: { source: number; replay: number };
    completionTokens: { source: number; replay: number };
  };
}

/** Turns by the user message that started them; a turn without one (a continuation) joins the one before. */
function turnGroups(turns: TurnView[]): Map<string, TurnView[]> {
  const groups = new Map<string, TurnView[]>();
  let current: TurnView[] | undefined;
  for (const turn of [...turns].sort((x, y) => x.createdAt.localeCompare(y.createdAt))) {
    if (turn.userMessageId !== null) groups.set(turn.userMessageId, (current = []));
    current?.push(turn);
  }
  return groups;
}

function sideOf(recording: SessionRecording, turns: TurnView[]): TurnSide {
  const ids = new Set(turns.map((t) => t.id));
  const sum = (pick: (u: NonNullable<TurnView['usage']>) => number) =>
    turns.reduce((total, t) => total + (t.usage ? pick(t.usage) : 0), 0);
  const last = turns.at(-1);
  const calls = recording.toolCalls
    .filter((c: ToolCallView) => c.turnId !== null && ids.has(c.turnId))
    .sort((x, y) => x.createdAt.localeCompare(y.createdAt));
  return {
    turnIds: [...ids],
    status: last?.status ?? 'missing',
    errorCode: last?.errorCode ?? null,
    reply: recording.messages
      .filter(
        (m) => m.role === 'assistant' && m.toolCallId === null && m.turnId !== null && ids.has(m.turnId),
      )
      .map((m) => m.content)
      .join('\n'),
    usage: turns.some((t) => t.usage)
      ? { promptTokens: sum((u) => u.promptTokens), completionTokens: sum((u) => u.completionTokens) }
      : null,
    toolCalls: calls.map((c) => ({
      tool: c.tool,
      arguments: c.arguments,
      status: c.status,
      source: c.source,
      decisions: c.decisions.map((d) => ({ outcome: d.outcome, ruleIds: d.ruleIds })),
    })),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Source and replay side by side, per user message in order. */
export function diffRecordings(
  source: SessionRecording,
  replay: SessionRecording,
  toolResults: 'recorded' | 'live',
): ReplayDiff {
  const sourceGroups = turnGroups(source.turns);
  const replayGroups = turnGroups(replay.turns);
  const replayUsers = replay.messages.filter((m) => m.role === 'user');
  const turns = source.messages
    .filter((m) => m.role === 'user')
    .map((message, index): TurnDiff => {
      const from = sideOf(source, sourceGroups.get(message.id) ?? []);
      const replayed = replayUsers[index];
      const to = replayed ? sideOf(replay, replayGroups.get(replayed.id) ?? []) : null;
      return {
        index: index + 1,
        userMessage: message.content,
        source: from,
        replay: to,
        reply: { same: from.reply === to?.reply, diff: diffText(from.reply, to?.reply ?? '') },
        tokens: {
          prompt: compare(from.usage?.promptTokens ?? null, to?.usage?.promptTokens ?? null),
          completion: compare(from.usage?.completionTokens ?? null, to?.usage?.completionTokens ?? null),
        },
        toolCalls: {
          same: same(
            from.toolCalls.map((c) => [c.tool, c.arguments]),
            to?.toolCalls.map((c) => [c.tool, c.arguments]),
          ),
        },
        decisions: {
          same: same(
            from.toolCalls.map((c) => c.decisions),
            to?.toolCalls.map((c) => c.decisions),
          ),
        },
      };
    });
  const total = (side: 'source' | 'replay', pick: 'promptTokens' | 'completionTokens') =>
    turns.reduce((sum, t) => sum + (t[side]?.usage?.[pick] ?? 0), 0);
  return {
    source: { sessionId: source.session.id, modelProfileId: source.session.modelProfileId ?? null },
    replay: {
      sessionId: replay.session.id,
      modelProfileId: replay.session.modelProfileId ?? null,
      toolResults,
    },
    turns,
    summary: {
      turns: turns.length,
      sameReplies: turns.filter((t) => t.reply.same).length,
      sameToolCalls: turns.filter((t) => t.toolCalls.same).length,
      sameDecisions: turns.filter((t) => t.decisions.same).length,
      promptTokens: { source: total('source', 'promptTokens'), replay: total('replay', 'promptTokens') },
      completionTokens: {
        source: total('source', 'completionTokens'),
        replay: total('replay', 'completionTokens'),
      },
    },
  };
}
