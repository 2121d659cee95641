import { describe, expect, it } from 'vitest';
import { diffText, inlineDiff } from './text-diff.js';

describe('diffText', () => {
  it('finds nothing to change in equal texts', () => {
    expect(diffText('a b c', 'a b c')).toEqual([{ op: 'equal', text: 'a b c' }]);
  });

  it('marks replaced words, keeping what both share', () => {
    const parts = diffText('the cat sat down', 'the dog sat down');
    expect(inlineDiff(parts)).toBe('the [-cat-]{+dog+} sat down');
    expect(
      parts
        .filter((p) => p.op !== 'insert')
        .map((p) => p.text)
        .join(''),
    ).toBe('the cat sat down');
    expect(
      parts
        .filter((p) => p.op !== 'delete')
        .map((p) => p.text)
        .join(''),
    ).toBe('the dog sat down');
  });

  it('handles an empty side', () => {
    expect(diffText('', 'new text')).toEqual([{ op: 'insert', text: 'new text' }]);
    expect(diffText('old', '')).toEqual([{ op: 'delete', text: 'old' }]);
    expect(diffText('', '')).toEqual([]);
  });
});
