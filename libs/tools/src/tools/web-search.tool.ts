import { Inject, Injectable } from '@nestjs/common';
import { Type, type Static } from '@sinclair/typebox';
import {
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
} from '../registry/tool-definition.contract.js';
import { type SearchEngine } from '../search/search-engine.contract.js';

export const SEARCH_ENGINE = Symbol('SearchEngine');

const Parameters = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 500, description: 'What to look for' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'Results, default 5' })),
  },
  { additionalProperties: false },
);

/** web.search: ranked results with snippets from the configured engine. */
@Injectable()
export class WebSearchTool implements ToolDefinition<typeof Parameters> {
  readonly name = 'web.search';
  readonly description =
    'Search the documents this tenant ingested or fetched (or the configured web search engine) and return ' +
    'ranked results with titles, URLs and snippets.';
  readonly parameters = Parameters;
  readonly risk = 'low' as const;
  readonly timeoutMs = 10_000;
  readonly outputCapBytes = 64 * 1024;

  constructor(@Inject(SEARCH_ENGINE) private readonly engine: SearchEngine) {}

  async run(args: Static<typeof Parameters>, context: ToolContext): Promise<ToolOutcome> {
    const results = await this.engine.search(context.tenantId, args.query, args.limit ?? 5, context.signal);
    return { status: 'ok', output: { engine: this.engine.name, query: args.query, results } };
  }
}
