import { listAll, type Page, type PageParams } from '#soma/client';
import { intOption, stringOption } from '../../args/options.js';
import { type CommandSpec } from '../../cli.contract.js';

type Values = Parameters<CommandSpec['run']>[0]['values'];

/** `--limit`, `--cursor` and `--all` of every listing command. */
export const pageOptions = (max: number): CommandSpec['options'] => ({
  limit: { type: 'string', valueName: 'n', description: `at most n a page (1-${max}, default 50)` },
  cursor: {
    type: 'string',
    valueName: 'cursor',
    description: 'the page after this one (printed as "more:")',
  },
  all: { type: 'boolean', description: 'follow every page' },
});

/** One page (the one `--cursor` names), or with `--all` every page from there on as one. */
export async function fetchListing<T>(
  values: Values,
  max: number,
  fetchPage: (page: PageParams) => Promise<Page<T>>,
): Promise<Page<T>> {
  const limit = intOption(values, 'limit', { min: 1, max });
  const start = stringOption(values, 'cursor');
  if (values.all !== true) return fetchPage({ limit, cursor: start });
  const items = await listAll((cursor) => fetchPage({ limit, cursor: cursor ?? start }));
  return { items, next: null };
}

/** The line that tells a person how to get the next page (nothing on the last page). */
export const moreLine = (page: Page<unknown>): string =>
  page.next === null ? '' : `more: --cursor ${page.next}\n`;
