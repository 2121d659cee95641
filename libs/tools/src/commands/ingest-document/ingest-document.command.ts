import { Command } from '@nestjs/cqrs';

export interface DocumentIngested {
  id: string;
}

/** Adds a document to the tenant's searchable corpus (web.search's default engine). */
export class IngestDocumentCommand extends Command<DocumentIngested> {
  constructor(
    readonly tenantId: string,
    readonly title: string,
    readonly content: string,
    readonly url: string | null,
  ) {
    super();
  }
}
