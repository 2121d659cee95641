import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { QueryInt } from '../query-params.dto.js';

export const PAGE_LIMIT_MAX = 200;
export const PAGE_LIMIT_DEFAULT = 50;
/** Turns carry their whole model context and tool calls outputs of up to 512 KB: smaller pages. */
export const HEAVY_PAGE_LIMIT_MAX = 50;
export const HEAVY_PAGE_LIMIT_DEFAULT = 20;

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

const cursorProperty = {
  type: String,
  maxLength: 1024,
  description: 'The `next` of the previous page, unchanged. Omit for the first page.',
};

/** `?limit=&cursor=` of every list; unknown query fields are refused by the validation pipe. */
export class PageQueryDto implements PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })
  @IsOptional()
  @QueryInt(1, PAGE_LIMIT_MAX)
  limit?: number;

  @ApiPropertyOptional(cursorProperty)
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}

/** The same for lists whose items are large (turns, tool calls). */
export class HeavyPageQueryDto implements PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: HEAVY_PAGE_LIMIT_MAX,
    default: HEAVY_PAGE_LIMIT_DEFAULT,
  })
  @IsOptional()
  @QueryInt(1, HEAVY_PAGE_LIMIT_MAX)
  limit?: number;

  @ApiPropertyOptional(cursorProperty)
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}
