import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ErrorDto, FieldErrorDto } from '../errors.dto.js';

/** The `next` of every page: an opaque string, or null on the last page. */
export const nextProperty = {
  type: String,
  nullable: true,
  description: 'Cursor of the next page (pass it as `cursor`); null on the last page',
  example: 'WyIyMDI2LTEyLTAyIDEyOjAwOjAwLjEyMzQ1NiswMCIsIjEyMyJd.q1w2e3r4t5y6u7i8o9p0aa',
};

/** `{ items: Item[], next: string | null }` as a named schema (`<Item>PageDto`). Call it once per item type. */
export function PageDtoOf<T>(item: Type<T>): Type<{ items: T[]; next: string | null }> {
  class Page {
    @ApiProperty({ type: [item] })
    items!: T[];

    @ApiProperty(nextProperty)
    next!: string | null;
  }
  Object.defineProperty(Page, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  return Page;
}

/** 400 of a list: a bad `limit` (VALIDATION_FAILED) or a cursor this list did not issue (CURSOR_INVALID). */
export class PageErrorDto extends ErrorDto {
  @ApiProperty({ example: 400 })
  declare statusCode: number;

  @ApiProperty({ example: 'CURSOR_INVALID', enum: ['VALIDATION_FAILED', 'CURSOR_INVALID'] })
  declare error: string;

  @ApiProperty({ type: [FieldErrorDto], description: 'Names `limit`, `cursor` or the bad filter' })
  fields!: FieldErrorDto[];
}

const badPage = ApiResponse({
  status: 400,
  type: PageErrorDto,
  description:
    'VALIDATION_FAILED (a `limit` out of range or not an integer, a bad filter, an unknown field) or ' +
    'CURSOR_INVALID (a `cursor` that is not the unchanged `next` of this same list)',
});

/** The 200 page of `item` and the 400s every list answers. */
export function ApiPage(item: Type, description?: string): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({ type: PageDtoOf(item), ...(description ? { description } : {}) }),
    badPage,
  );
}

/** The 400s alone, for a page that is also a report with its own response type (usage). */
export const ApiBadPage = (): MethodDecorator => applyDecorators(badPage);
