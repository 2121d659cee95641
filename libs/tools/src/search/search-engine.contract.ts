export interface SearchHit {
  title: string;
  url: string | null;
  snippet: string;
  documentId: string | null;
}

/** A web.search backend. The default searches the tenant's documents; SearxNG when configured. */
export interface SearchEngine {
  readonly name: string;
  search(tenantId: string, query: string, limit: number, signal: AbortSignal): Promise<SearchHit[]>;
}
