import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { buildAsyncApiDocument } from '#soma/contracts';

/** The published event contract (public, like the topic names it describes). */
@ApiTags('contract')
@Controller()
export class AsyncApiController {
  private readonly document = JSON.stringify(buildAsyncApiDocument());

  @Get('asyncapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'AsyncAPI 3.0 document: Kafka topics and streamed events, generated from the contracts library',
  })
  @ApiOkResponse({ description: 'The AsyncAPI document (same as docs/asyncapi.json in the repository)' })
  asyncApi(): string {
    return this.document;
  }
}
