import { describe, expect, it } from 'vitest';
import { isDateTime } from './query-params.dto.js';

describe('isDateTime', () => {
  it('accepts RFC 3339 dates and date-times that are real dates', () => {
    for (const ok of [
      '2024-01-31',
      '2024-01-31T12:00:00Z',
      '2024-01-31T12:00Z',
      '2024-01-31T12:00:00.123+02:00',
    ])
      expect(isDateTime(ok), ok).toBe(true);
  });

  it('refuses week and ordinal dates, impossible dates, offsets missing, and non-strings', () => {
    for (const bad of [
      '2024-W01',
      '2024-W01-1',
      '2024-001',
      '2024-13-01',
      '2024-02-30T00:00:00Z',
      '2024-01-31T12:00:00',
      '1e21',
      ['2024-01-01'],
      5,
    ])
      expect(isDateTime(bad), String(bad)).toBe(false);
  });
});
