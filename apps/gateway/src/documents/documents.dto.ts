import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';

export class IngestDocumentDto {
  @ApiProperty({ example: 'Kafka consumer groups', maxLength: 500, pattern: '\\S' })
  @IsString()
  @MaxLength(500)
  @Matches(/\S/, { message: 'title must not be empty' })
  title!: string;

  @ApiProperty({
    description: 'Plain text; searchable by web.search (PostgreSQL full-text search)',
    maxLength: 1_000_000,
    pattern: '\\S',
  })
  @IsString()
  @MaxLength(1_000_000)
  @Matches(/\S/, { message: 'content must not be empty' })
  content!: string;

  @ApiPropertyOptional({
    example: 'https://kafka.apache.org/documentation/',
    format: 'uri',
    pattern: '^https?://',
    maxLength: 2048,
  })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  @MaxLength(2048)
  url?: string;
}

export class DocumentIngestedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
}
