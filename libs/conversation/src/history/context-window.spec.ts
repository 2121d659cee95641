import { type ChatMessage } from '#soma/llm';
import { describe, expect, it } from 'vitest';
import { fitContextWindow } from './context-window.js';

// One token per word plus 3 per message: a stand-in tokenizer shaped like a chat template, pure arithmetic.
const count = (messages: readonly ChatMessage[]) =>
  messages.reduce((sum, m) => sum + 3 + m.content.split(/\s+/).filter(Boolean).length, 0);
const system: ChatMessage = { role: 'system', content: 'be brief' };
const turn = (n: number): ChatMessage[] => [
  { role: 'user', content: `question ${n} with some words` },
  { role: 'assistant', content: `answer ${n} with a few more words` },
];

describe('fitContextWindow', () => {
  it('keeps everything when it fits', () => {
    const fitted = fitContextWindow(
      system,
      [turn(1), turn(2), [{ role: 'user', content: 'now' }]],
      1000,
      count,
    );
    expect(fitted.dropped).toBe(0);
    expect(fitted.messages).toHaveLength(6);
    expect(fitted.tokens).toBe(count(fitted.messages));
  });

  it('drops the oldest whole turns first and keeps the system prompt', () => {
    const turns = [turn(1), turn(2), turn(3), [{ role: 'user', content: 'latest question' } as ChatMessage]];
    const fitted = fitContextWindow(system, turns, 35, count);
    expect(fitted.messages[0]).toEqual(system);
    expect(fitted.tokens).toBeLessThanOrEqual(35);
    expect(fitted.dropped % 2).toBe(0);
    expect(fitted.dropped).toBeGreaterThan(0);
    expect(fitted.messages.at(-1)?.content).toBe('latest question');
    const kept = fitted.messages.slice(1).map((m) => m.content);
    expect(kept).toEqual(
      turns
        .flat()
        .slice(fitted.dropped)
        .map((m) => m.content),
    );
  });

  it('always keeps the current turn', () => {
    const fitted = fitContextWindow(
      system,
      [turn(1), [{ role: 'user', content: 'x '.repeat(100) }]],
      10,
      count,
    );
    expect(fitted.messages).toHaveLength(2);
    expect(fitted.dropped).toBe(2);
  });
});
