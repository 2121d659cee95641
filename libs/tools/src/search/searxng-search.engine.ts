import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ToolError } from '../tools.errors.js';
import { type SearchEngine, type SearchHit } from './search-engine.contract.js';

const SearxngResponse = TypeCompiler.Compile(
  Type.Object({
    results: Type.Array(
      Type.Object({ title: Type.String(), url: Type.String(), content: Type.Optional(Type.String()) }),
    ),
  }),
);

/** Maps a SearxNG `format=json` answer to hits; throws SEARCH_FAILED on an unexpected shape. */
export function parseSearxngResults(body: unknown, limit: number): SearchHit[] {
  if (!SearxngResponse.Check(body)) {
    throw new ToolError('SEARCH_FAILED', 'the search engine answered in an unexpected format');
  }
  return body.results.slice(0, limit).map((result) => ({
    title: result.title,
    url: result.url,
    snippet: result.content ?? '',
    documentId: null,
  }));
}

/** A SearxNG-compatible engine (GET <base>/search?q=…&format=json), used when SOMA_SEARXNG_URL is set. */
export class SearxngSearchEngine implements SearchEngine {
  readonly name = 'searxng';

  constructor(private readonly baseUrl: string) {}

  async search(_tenantId: string, query: string, limit: number, signal: AbortSignal): Promise<SearchHit[]> {
    const url = new URL('search', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');
    const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
    if (!response.ok) throw new ToolError('SEARCH_FAILED', `the search engine answered ${response.status}`);
    return parseSearxngResults(await response.json(), limit);
  }
}
