import { type ChatMessage } from '#soma/llm';

export interface FittedContext {
  messages: ChatMessage[];
  tokens: number;
  /** Messages of the oldest turns left out to fit the window. */
  dropped: number;
}

/**
 * The system prompt, then whole turns, newest kept: drops the oldest turns until the context fits
 * `budgetTokens`. The current (last) turn is always kept, even if it alone is too long.
 */
export function fitContextWindow(
  system: ChatMessage,
  turns: readonly (readonly ChatMessage[])[],
  budgetTokens: number,
  count: (messages: readonly ChatMessage[]) => number,
): FittedContext {
  let first = 0;
  let dropped = 0;
  for (;;) {
    const messages = [system, ...turns.slice(first).flat()];
    const tokens = count(messages);
    if (tokens <= budgetTokens || first >= turns.length - 1) return { messages, tokens, dropped };
    dropped += turns[first]?.length ?? 0;
    first++;
  }
}
