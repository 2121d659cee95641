import type { Classification, MessageView, SessionView, ToolCallView, TurnView } from '#soma/client';
import { decisionsOf, oneLine, usageOf } from '../../output/format.js';

export interface SessionRecording {
  session: SessionView;
  messages: MessageView[];
  turns: TurnView[];
  toolCalls: ToolCallView[];
}

const labelsOf = (c: Classification | null): string => {
  if (!c) return '';
  if (c.status !== 'classified') return `  [${c.status}]`;
  const parts = [
    c.intent ? `intent ${c.intent}` : '',
    c.sentiment ? `sentiment ${c.sentiment.label}` : '',
    c.tags?.length ? `tags ${c.tags.join(', ')}` : '',
  ];
  return `  [${parts.filter(Boolean).join(' · ')}]`;
};

export const toolCallLine = (call: ToolCallView): string => {
  const error = call.error ? ` ${call.error.code}: ${oneLine(call.error.message, 60)}` : '';
  const source = call.source ? ` (${call.source})` : '';
  return (
    `${call.tool} ${oneLine(JSON.stringify(call.arguments), 70)} → ${call.status}${error}${source}` +
    `; policy: ${decisionsOf(call.decisions)}`
  );
};

/** A session as a transcript: turn headers, then its messages in order, tool calls where they happened. */
export function renderSession(recording: SessionRecording, profiles: Map<string, string>): string {
  const { session, messages, turns, toolCalls } = recording;
  const calls = new Map(toolCalls.map((c) => [c.toolCallId, c]));
  const turnsById = new Map(turns.map((t) => [t.id, t]));
  const profile = session.modelProfileId
    ? (profiles.get(session.modelProfileId) ?? session.modelProfileId)
    : '-';
  const out = [
    `session ${session.id}${session.title ? ` "${session.title}"` : ''}`,
    `  profile ${profile} · created ${session.createdAt}`,
  ];
  if (session.replay)
    out.push(`  replay of ${session.replay.sourceSessionId} (tool results: ${session.replay.toolResults})`);
  let currentTurn: string | null = null;
  const shown = new Set<string>();
  for (const m of messages) {
    if (m.turnId !== currentTurn && m.turnId !== null) {
      currentTurn = m.turnId;
      const turn = turnsById.get(m.turnId);
      const status = turn ? `${turn.status}${turn.errorCode ? ` ${turn.errorCode}` : ''}` : '?';
      out.push('', `turn ${m.turnId} · ${status} · ${usageOf(turn?.usage ?? null)}`);
    }
    const call = m.toolCallId ? calls.get(m.toolCallId) : undefined;
    if (m.role === 'assistant' && call) {
      shown.add(call.toolCallId);
      out.push(`  tool call   ${toolCallLine(call)}`);
    } else if (m.role === 'tool') out.push(`  tool result ${oneLine(m.content, 100)}`);
    else out.push(`  ${m.role.padEnd(11)} ${oneLine(m.content, 400)}${labelsOf(m.classification)}`);
  }
  const other = toolCalls.filter((c) => !shown.has(c.toolCallId));
  if (other.length > 0) {
    out.push('', 'tool calls');
    for (const call of other) out.push(`  ${call.toolCallId} ${toolCallLine(call)}`);
  }
  return out.join('\n') + '\n';
}
