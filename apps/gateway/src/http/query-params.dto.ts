import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min, ValidateBy } from 'class-validator';

/** The largest `offset` any list accepts (PostgreSQL's OFFSET is a bigint; 1e21 is not). */
export const MAX_OFFSET = 1_000_000_000;

/**
 * A query integer parsed strictly: decimal digits only (no `1e21`, `0x10`, ` 5`, repeated parameter), within
 * [min, max]; `5.0` is the integer 5 (as in JSON Schema, which the OpenAPI document declares). Anything else stays
 * a non-number and fails IsInt, naming the field.
 */
export function QueryInt(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    // Declared here so that no query DTO can publish it as a `number` (a later @ApiProperty keeps this type).
    ApiProperty({ type: 'integer', minimum: min, maximum: max }),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d{1,16}(?:\.0+)?$/.test(value) ? Number(value) : value,
    ),
    IsInt(),
    Min(min),
    Max(max),
  );
}

// RFC 3339: a date, or a date-time with seconds optional and an offset. ISO 8601's week (2024-W01) and ordinal
// (2024-001) forms are refused: Date cannot parse them, and PostgreSQL got "Invalid Date".
const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string' || !RFC3339.test(value) || !Number.isFinite(Date.parse(value))) return false;
  // Date.parse rolls 2024-02-30 over to March: the calendar date must exist as written.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** What IsUUID() accepts, as the OpenAPI document declares it (an empty value is no uuid: 400). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** An instant in a query: RFC 3339 date or date-time (with offset) that parses to a real date. */
export function IsDateTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isDateTime',
    validator: {
      validate: (value: unknown) => isDateTime(value),
      defaultMessage: (args) =>
        `${args?.property ?? 'value'} must be an RFC 3339 date or date-time (2024-01-31 or 2024-01-31T12:00:00Z)`,
    },
  });
}
