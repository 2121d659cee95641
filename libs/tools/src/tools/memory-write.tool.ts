import { Injectable } from '@nestjs/common';
import { MemoryNoteEntity } from '#soma/persistence';
import { Type, type Static } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
} from '../registry/tool-definition.contract.js';

const Parameters = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 4000, description: 'The note to remember' }),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 10 })),
  },
  { additionalProperties: false },
);

/** memory.write: keeps a note for this tenant and session (policy checks every write). */
@Injectable()
export class MemoryWriteTool implements ToolDefinition<typeof Parameters> {
  readonly name = 'memory.write';
  readonly description = 'Remember a short note for later turns of this session.';
  readonly parameters = Parameters;
  readonly risk = 'low' as const;
  readonly timeoutMs = 5000;
  readonly outputCapBytes = 1024;

  constructor(private readonly dataSource: DataSource) {}

  async run(args: Static<typeof Parameters>, context: ToolContext): Promise<ToolOutcome> {
    const id = randomUUID();
    await this.dataSource.manager.insert(MemoryNoteEntity, {
      id,
      tenantId: context.tenantId,
      sessionId: context.sessionId,
      content: args.content,
      tags: args.tags ?? [],
      toolCallId: context.toolCallId,
    });
    return { status: 'ok', output: { noteId: id } };
  }
}
