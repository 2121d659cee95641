import { decisionsOf, oneLine } from '../../output/format.js';
import { type ReplayDiff, type TurnSide } from './replay-diff.js';
import { inlineDiff } from './text-diff.js';

const signed = (n: number | null) => (n === null ? '' : ` (${n >= 0 ? '+' : ''}${n})`);
const count = (c: { source: number | null; replay: number | null; delta: number | null }) =>
  `${c.source ?? '-'} → ${c.replay ?? '-'}${signed(c.delta)}`;
const calls = (side: TurnSide | null) =>
  !side || side.toolCalls.length === 0
    ? 'none'
    : side.toolCalls
        .map(
          (c) =>
            `${c.tool} ${oneLine(JSON.stringify(c.arguments), 60)} → ${c.status}${c.source ? ` (${c.source})` : ''}`,
        )
        .join(', ');
const policy = (side: TurnSide | null) =>
  !side || side.toolCalls.length === 0
    ? 'none'
    : side.toolCalls.map((c) => decisionsOf(c.decisions)).join(', ');

/** The diff for people: per turn the reply as a word diff, token counts, tool calls and policy decisions. */
export function renderReplayDiff(diff: ReplayDiff, profiles: Map<string, string>): string {
  const name = (id: string | null) => (id ? (profiles.get(id) ?? id) : '-');
  const out = [
    `replay ${diff.replay.sessionId} of ${diff.source.sessionId}`,
    `profile ${name(diff.source.modelProfileId)} → ${name(diff.replay.modelProfileId)} · tool results ${diff.replay.toolResults}`,
  ];
  for (const turn of diff.turns) {
    const status = `${turn.source.status} → ${turn.replay?.status ?? 'missing'}`;
    out.push('', `turn ${turn.index}/${diff.turns.length}: ${oneLine(turn.userMessage, 70)}  (${status})`);
    out.push(`  reply       ${turn.reply.same ? 'same' : 'changed'}`);
    if (!turn.reply.same)
      out.push(
        ...inlineDiff(turn.reply.diff)
          .split('\n')
          .map((l) => `    ${l}`),
      );
    out.push(
      `  tokens      prompt ${count(turn.tokens.prompt)}, completion ${count(turn.tokens.completion)}`,
    );
    out.push(`  tool calls  ${turn.toolCalls.same ? 'same' : 'changed'}`);
    out.push(`    - ${calls(turn.source)}`, `    + ${calls(turn.replay)}`);
    out.push(`  policy      ${turn.decisions.same ? 'same' : 'changed'}`);
    out.push(`    - ${policy(turn.source)}`, `    + ${policy(turn.replay)}`);
  }
  const s = diff.summary;
  out.push(
    '',
    `${s.turns} turns: ${s.sameReplies} same replies, ${s.sameToolCalls} same tool calls, ${s.sameDecisions} same decisions;` +
      ` prompt tokens ${s.promptTokens.source} → ${s.promptTokens.replay}, completion tokens ${s.completionTokens.source} → ${s.completionTokens.replay}`,
  );
  return out.join('\n') + '\n';
}
