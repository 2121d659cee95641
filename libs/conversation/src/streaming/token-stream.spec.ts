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

  it('without coalescing writes at once, and merges what is pushed while a write is in flight', async () => {
    const sent: string[] = [];
    const stream = new TokenStream((delta) => {
      sent.push(delta);
      return Promise.resolve();
    }, 0);
    for (const piece of ['a', 'b', 'c']) stream.push(piece);
    expect(await stream.close()).toBe('abc');
    expect(sent).toEqual(['a', 'bc']);
  });

  it('surfaces a failed write on close, writes nothing after it, and returns no text it did not write', async () => {
    const sent: string[] = [];
    let calls = 0;
    const stream = new TokenStream((delta) => {
      calls++;
      if (calls === 2) return Promise.reject(new Error('fenced'));
      sent.push(delta);
      return Promise.resolve();
    }, 0);
    stream.push('x');
    await sleep(1);
    stream.push('y');
    await sleep(1);
    stream.push('z');
    await expect(stream.close()).rejects.toThrow('fenced');
    expect(sent).toEqual(['x']);
    expect(calls).toBe(2);
    expect(stream.failed).toBe(true);
  });
});
