import { describe, expect, it } from 'vitest';
import { TokenStream } from './token-stream.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TokenStream', () => {
  it('publishes deltas in order whose concatenation is exactly the text pushed', async () => {
    const sent: string[] = [];
    const stream = new TokenStream(async (delta) => {
      await sleep(Math.random() * 3);
      sent.push(delta);
    }, 5);
    const pieces = Array.from({ length: 60 }, (_, i) => `t${i} `);
    for (const piece of pieces) {
      stream.push(piece);
      if (Math.random() < 0.3) await sleep(7);
    }
    stream.push('');
    const text = await stream.close();
    expect(text).toBe(pieces.join(''));
    expect(sent.join('')).toBe(text);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.length).toBeLessThan(pieces.length);
    expect(sent.every((delta) => delta.length > 0)).toBe(true);
  });

  it('without coalescing sends one message per delta', async () => {
    const sent: string[] = [];
    const stream = new TokenStream((delta) => {
      sent.push(delta);
      return Promise.resolve();
    }, 0);
    for (const piece of ['a', 'b', 'c']) stream.push(piece);
    await stream.close();
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('surfaces a failed publish on close', async () => {
    const stream = new TokenStream(() => Promise.reject(new Error('broker down')), 0);
    stream.push('x');
    await expect(stream.close()).rejects.toThrow('broker down');
  });
});
