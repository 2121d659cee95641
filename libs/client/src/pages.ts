/** One page of any list of the API: `next` is the cursor of the following page, null on the last one. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** `?limit=&cursor=` of every list. */
export interface PageParams {
  limit?: number;
  cursor?: string;
}

/** Fetches the page that starts at `cursor` (undefined: the first page). */
export type PageFetcher<T> = (cursor: string | undefined) => Promise<Page<T>>;

/** Every page of a list in order, following `next` until it is null. */
export async function* eachPage<T>(fetchPage: PageFetcher<T>): AsyncGenerator<Page<T>> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield page;
    if (page.next === null) return;
    cursor = page.next;
  }
}

/** Every item of a list in order, a page at a time (for await ... of). */
export async function* eachItem<T>(fetchPage: PageFetcher<T>): AsyncGenerator<T> {
  for await (const page of eachPage(fetchPage)) yield* page.items;
}

/** The whole list: for lists known to be short, or when the caller wants it all anyway. */
export async function listAll<T>(fetchPage: PageFetcher<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of eachPage(fetchPage)) items.push(...page.items);
  return items;
}
