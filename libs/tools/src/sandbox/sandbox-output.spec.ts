import { describe, expect, it } from 'vitest';
import { capJsonText, TailBuffer } from './sandbox-output.js';

const encoded = (text: string): number => Buffer.byteLength(JSON.stringify(text)) - 2;

describe('capJsonText', () => {
  it('keeps text whose JSON fits', () => {
    expect(capJsonText('hello\n', 7)).toEqual({ text: 'hello\n', truncated: false });
  });

  it('measures control bytes as JSON does (6 bytes each)', () => {
    const text = '\u0001'.repeat(1000);
    const capped = capJsonText(text, 600);
    expect(capped.truncated).toBe(true);
    expect(capped.text.length).toBe(100);
    expect(encoded(capped.text)).toBe(600);
  });

  it('never exceeds the cap and never splits a surrogate pair, for mixed text', () => {
    const text = 'a"\\\n\t\u0000é€😀\ud800x'.repeat(50);
    for (const cap of [0, 1, 5, 17, 100, 333, 1000]) {
      const capped = capJsonText(text, cap);
      expect(encoded(capped.text)).toBeLessThanOrEqual(cap);
      // One more code point would not have fitted.
      const next = text.slice(0, capped.text.length + (capped.text.length < text.length ? 1 : 0));
      if (capped.truncated) expect(encoded(next)).toBeGreaterThan(cap);
      expect(capped.text.endsWith('\ud83d')).toBe(false);
    }
  });
});

describe('TailBuffer', () => {
  it('keeps everything under the cap', () => {
    const tail = new TailBuffer(16);
    tail.push(Buffer.from('abc'));
    tail.push(Buffer.from('def'));
    expect([tail.text(), tail.dropped]).toEqual(['abcdef', 0]);
  });

  it('keeps the last cap bytes across chunks, whole and cut', () => {
    const tail = new TailBuffer(5);
    for (const chunk of ['hello ', 'wor', 'ld', '!']) tail.push(Buffer.from(chunk));
    expect([tail.text(), tail.dropped]).toEqual(['orld!', 7]);
    tail.push(Buffer.from('0123456789'));
    expect([tail.text(), tail.dropped]).toEqual(['56789', 17]);
  });
});
