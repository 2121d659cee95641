import { ApiProperty } from '@nestjs/swagger';
import { ErrorDto } from '../sessions/sessions.dto.js';

export { ErrorDto };

export class FieldErrorDto {
  @ApiProperty({ example: 'content' })
  field!: string;

  @ApiProperty({ type: [String], example: ['content must not be empty'] })
  errors!: string[];
}

/** 400 VALIDATION_FAILED (or MALFORMED_JSON without fields): every failing or unknown field is named. */
export class ValidationErrorDto extends ErrorDto {
  @ApiProperty({ example: 400 })
  declare statusCode: number;

  @ApiProperty({ example: 'VALIDATION_FAILED', enum: ['VALIDATION_FAILED', 'MALFORMED_JSON'] })
  declare error: string;

  @ApiProperty({ type: [FieldErrorDto], required: false })
  fields?: FieldErrorDto[];
}

/** 429 RATE_LIMITED; the Retry-After header says when to try again. */
export class RateLimitedErrorDto extends ErrorDto {
  @ApiProperty({ example: 429 })
  declare statusCode: number;

  @ApiProperty({ example: 'RATE_LIMITED' })
  declare error: string;

  @ApiProperty({ example: 12, description: 'Seconds until the window resets (also in Retry-After).' })
  retryAfterSeconds!: number;

  @ApiProperty({
    enum: ['key', 'tenant', 'ip', 'sign-in'],
    description: 'The bucket that is full: the API key, its tenant, or the client IP (no or invalid key)',
  })
  scope!: string;
}
