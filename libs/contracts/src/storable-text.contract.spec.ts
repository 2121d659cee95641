import { describe, expect, it } from 'vitest';
import { isStorableText, unstorableTextFields } from './storable-text.contract.js';

describe('storable text', () => {
  it('refuses NUL and unpaired surrogates, accepts paired ones', () => {
    expect(isStorableText('plain ✓ 😀')).toBe(true);
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\uD83D')).toBe(false);
    expect(isStorableText('x\uDE00')).toBe(false);
    expect(isStorableText('\uDE00\uD83D')).toBe(false);
  });

  it('names every field, nested, in arrays and in keys', () => {
    const value = { ok: 'fine', text: 'a\u0000', parts: [{ t: 'ok' }, { t: '\uD800' }], ['k\u0000']: 1 };
    expect(unstorableTextFields(value)).toEqual(['text', 'parts.1.t', 'k\u0000']);
    expect(unstorableTextFields('\u0000', 'query.q')).toEqual(['query.q']);
    expect(unstorableTextFields({ n: 1, b: true, z: null })).toEqual([]);
  });
});
