import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DocumentEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IngestDocumentCommand, type DocumentIngested } from './ingest-document.command.js';

@CommandHandler(IngestDocumentCommand)
export class IngestDocumentHandler implements ICommandHandler<IngestDocumentCommand, DocumentIngested> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, title, content, url }: IngestDocumentCommand): Promise<DocumentIngested> {
    const id = randomUUID();
    await this.dataSource.manager.insert(DocumentEntity, {
      id,
      tenantId,
      source: 'ingest',
      title,
      url,
      content,
    });
    return { id };
  }
}
