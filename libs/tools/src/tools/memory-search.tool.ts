import { Injectable } from '@nestjs/common';
import { Type, type Static } from '@sinclair/typebox';
import { DataSource } from 'typeorm';
import {
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
} from '../registry/tool-definition.contract.js';

const Parameters = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 500 }),
    scope: Type.Optional(
      Type.Union([Type.Literal('session'), Type.Literal('tenant')], {
        description: 'Notes of this session (default) or of every session of the tenant',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  },
  { additionalProperties: false },
);

interface NoteRow {
  id: string;
  session_id: string;
  content: string;
  tags: string[];
  created_at: Date;
}

/** memory.search: full-text search over the notes of this session or tenant, best match first. */
@Injectable()
export class MemorySearchTool implements ToolDefinition<typeof Parameters> {
  readonly name = 'memory.search';
  readonly description =
    'Find notes remembered earlier in this session (or, with scope "tenant", in any session).';
  readonly parameters = Parameters;
  readonly risk = 'low' as const;
  readonly timeoutMs = 5000;
  readonly outputCapBytes = 64 * 1024;

  constructor(private readonly dataSource: DataSource) {}

  async run(args: Static<typeof Parameters>, context: ToolContext): Promise<ToolOutcome> {
    const tenantScope = args.scope === 'tenant';
    const rows: NoteRow[] = await this.dataSource.query(
      `SELECT n.id, n.session_id, n.content, n.tags, n.created_at
         FROM memory_notes n, websearch_to_tsquery('english', $3) q
        WHERE n.tenant_id = $1 AND ($2::uuid IS NULL OR n.session_id = $2) AND n.tsv @@ q
        ORDER BY ts_rank(n.tsv, q) DESC, n.created_at DESC
        LIMIT $4`,
      [context.tenantId, tenantScope ? null : context.sessionId, args.query, args.limit ?? 10],
    );
    const notes = rows.map((row) => ({
      id: row.id,
      sessionId: row.session_id,
      content: row.content,
      tags: row.tags,
      createdAt: row.created_at.toISOString(),
    }));
    return { status: 'ok', output: { notes } };
  }
}
