import { type ChatMessage } from '#soma/llm';
import { type MessageEntity } from '#soma/persistence';

/** The model's context for a turn: the system prompt, then the session's history up to the turn's message. */
export function buildTurnContext(systemPrompt: string, history: readonly MessageEntity[]): ChatMessage[] {
  return [
    { role: 'system', content: systemPrompt },
    ...history.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
  ];
}
