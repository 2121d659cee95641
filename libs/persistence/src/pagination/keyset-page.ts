import { type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';

/** One page of a list: at most `limit` rows strictly after the row whose key is `after` (null: from the start). */
export interface PageRequest {
  readonly limit: number;
  readonly after: readonly string[] | null;
}

/** The rows of a page and the key of its last row when more rows follow (null on the last page). */
export interface KeysetPage<T> {
  readonly items: T[];
  readonly next: string[] | null;
}

/**
 * The columns a list is ordered by, all in one direction, the last one unique (the tiebreaker). Each key is
 * read back as text and compared in its SQL type, so timestamps keep their microseconds: a key taken from a
 * JavaScript Date (milliseconds) would repeat or skip rows created within the same millisecond.
 */
export interface KeysetOrder {
  readonly keys: readonly {
    readonly expr: string;
    readonly type: 'timestamptz' | 'uuid' | 'bigint' | 'int' | 'text';
  }[];
  readonly direction: 'ASC' | 'DESC';
}

/** Cuts `rows` (fetched with limit + 1) to a page: the extra row only says that another page follows. */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => string[],
  toItem: (row: R) => T,
): KeysetPage<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toItem), next: rows.length > limit && last !== undefined ? keyOf(last) : null };
}

/**
 * Keyset pagination on a query builder: `WHERE (k1, k2) > (after)` (or `<` descending), `ORDER BY k1, k2`,
 * `LIMIT limit + 1`; never OFFSET, so a row inserted while a client pages causes neither a repeat nor a skip.
 */
export async function keysetPage<E extends ObjectLiteral, T>(
  query: SelectQueryBuilder<E>,
  order: KeysetOrder,
  page: PageRequest,
  toItem: (row: E) => T,
): Promise<KeysetPage<T>> {
  const { keys, direction } = order;
  keys.forEach((key, i) => query.addSelect(`(${key.expr})::text`, `page_key_${i}`));
  if (page.after !== null && page.after.length !== keys.length)
    throw new Error(`a cursor of ${page.after.length} keys for a list ordered by ${keys.length}`);
  if (page.after !== null) {
    const params = Object.fromEntries(page.after.map((value, i) => [`page_after_${i}`, value]));
    const bound = keys.map((key, i) => `CAST(:page_after_${i} AS ${key.type})`).join(', ');
    const op = direction === 'ASC' ? '>' : '<';
    query.andWhere(`(${keys.map((key) => key.expr).join(', ')}) ${op} (${bound})`, params);
  }
  keys.forEach((key, i) =>
    i === 0 ? query.orderBy(key.expr, direction) : query.addOrderBy(key.expr, direction),
  );
  const { entities, raw } = await query.limit(page.limit + 1).getRawAndEntities<Record<string, string>>();
  const rows = entities.map((entity, i) => ({
    entity,
    key: keys.map((_, k) => String(raw[i]?.[`page_key_${k}`])),
  }));
  return toPage(
    rows,
    page.limit,
    (row) => row.key,
    (row) => toItem(row.entity),
  );
}
