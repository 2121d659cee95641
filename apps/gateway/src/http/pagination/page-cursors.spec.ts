import { BadRequestException } from '@nestjs/common';
import { toPage } from '#soma/persistence';
import { loadConfig, SomaConfig } from '#soma/platform';
import { describe, expect, it } from 'vitest';
import { PageCursors } from './page-cursors.js';

const cursors = new PageCursors(new SomaConfig(loadConfig({})));
const other = new PageCursors(new SomaConfig(loadConfig({ SOMA_CURSOR_SECRET_KEY: 'another-key' })));
const scope = { list: 'messages', tenantId: 't1', parentId: 's1' };
const key = ['2026-12-02 12:00:00.123456+00', '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f'];

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error instanceof BadRequestException ? error.getResponse() : error;
  }
  return undefined;
};

describe('PageCursors', () => {
  it('decodes what it encoded, for the same scope', () => {
    expect(cursors.decode(cursors.encode(key, scope), scope)).toEqual(key);
    expect(cursors.request({ limit: 3, cursor: cursors.encode(key, scope) }, scope)).toEqual({
      limit: 3,
      after: key,
    });
    expect(cursors.request({}, scope, 20)).toEqual({ limit: 20, after: null });
  });

  it('refuses another list, tenant, parent or secret, an edit and garbage with CURSOR_INVALID naming cursor', () => {
    const cursor = cursors.encode(key, scope);
    const [payload = '', mac = ''] = cursor.split('.');
    const edited = `${Buffer.from(JSON.stringify(['1999-01-01 00:00:00+00', key[1]])).toString('base64url')}.${mac}`;
    const attempts: [string, typeof scope][] = [
      [cursor, { ...scope, list: 'turns' }],
      [cursor, { ...scope, tenantId: 't2' }],
      [cursor, { ...scope, parentId: 's2' }],
      [other.encode(key, scope), scope],
      [edited, scope],
      [`${payload}.`, scope],
      [`${payload}.${mac}.x`, scope],
      ['garbage', scope],
      ['', scope],
      ['!!!.AAAA', scope],
    ];
    for (const [bad, where] of attempts)
      expect(codeOf(() => cursors.decode(bad, where))).toMatchObject({
        error: 'CURSOR_INVALID',
        fields: [{ field: 'cursor' }],
      });
  });
});

describe('toPage', () => {
  it('keeps limit rows and gives the last one’s key only when a row beyond it was read', () => {
    const rows = [1, 2, 3];
    expect(
      toPage(
        rows,
        2,
        (n) => [String(n)],
        (n) => n * 10,
      ),
    ).toEqual({ items: [10, 20], next: ['2'] });
    expect(
      toPage(
        rows,
        3,
        (n) => [String(n)],
        (n) => n,
      ),
    ).toEqual({ items: [1, 2, 3], next: null });
    expect(
      toPage(
        [],
        3,
        (n: number) => [String(n)],
        (n) => n,
      ),
    ).toEqual({ items: [], next: null });
  });
});
