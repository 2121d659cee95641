import { describe, expect, it } from 'vitest';
import { CommitWindow } from './commit-window.js';

describe('CommitWindow', () => {
  it('commits only past the longest finished prefix when handlers finish out of order', () => {
    const window = new CommitWindow();
    for (const offset of ['5', '6', '7']) window.start(offset);
    expect(window.finish('6')).toBeNull(); // 5 still runs: committing 7 would lose it on a crash
    expect(window.finish('7')).toBeNull();
    expect(window.finish('5')).toBe('8');
    expect(window.size).toBe(0);
  });

  it('advances step by step when they finish in order', () => {
    const window = new CommitWindow();
    window.start('0');
    window.start('1');
    expect(window.finish('0')).toBe('1');
    expect(window.finish('1')).toBe('2');
  });

  it('ignores an offset it never started', () => {
    const window = new CommitWindow();
    window.start('3');
    expect(window.finish('9')).toBeNull();
    expect(window.finish('3')).toBe('4');
  });
});
