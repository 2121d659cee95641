import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { IngestDocumentCommand } from '#soma/tools';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { DocumentIngestedDto, IngestDocumentDto } from './documents.dto.js';

@ApiTags('documents')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/documents')
export class DocumentsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiResponse({
    status: 201,
    description: "Added to the tenant's searchable documents",
    type: DocumentIngestedDto,
  })
  @ApiResponse({ status: 400, type: ErrorDto })
  ingest(
    @CurrentPrincipal() principal: Principal,
    @Body() body: IngestDocumentDto,
  ): Promise<DocumentIngestedDto> {
    return this.commandBus.execute(
      new IngestDocumentCommand(principal.tenantId, body.title, body.content, body.url ?? null),
    );
  }
}
