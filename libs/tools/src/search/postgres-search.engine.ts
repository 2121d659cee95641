import { type DataSource } from 'typeorm';
import { type SearchEngine, type SearchHit } from './search-engine.contract.js';

/** Full-text search (websearch syntax, English stemming, ranked) over the documents the tenant ingested or fetched. */
export class PostgresSearchEngine implements SearchEngine {
  readonly name = 'postgres';

  constructor(private readonly dataSource: DataSource) {}

  async search(tenantId: string, query: string, limit: number): Promise<SearchHit[]> {
    const rows: { id: string; title: string; url: string | null; snippet: string }[] =
      await this.dataSource.query(
        `SELECT d.id, d.title, d.url,
              ts_headline('english', d.content, q, 'MaxWords=35, MinWords=12, MaxFragments=2') AS snippet
         FROM documents d, websearch_to_tsquery('english', $2) q
        WHERE d.tenant_id = $1 AND d.tsv @@ q
        ORDER BY ts_rank(d.tsv, q) DESC, d.created_at DESC
        LIMIT $3`,
        [tenantId, query, limit],
      );
    return rows.map((row) => ({ title: row.title, url: row.url, snippet: row.snippet, documentId: row.id }));
  }
}
