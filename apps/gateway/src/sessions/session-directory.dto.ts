import { PageQueryDto } from '../http/pagination/index.js';
import { IsDateTime, UUID_PATTERN } from '../http/query-params.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ReplayOfDto } from './sessions.dto.js';

export class ListSessionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive part of the title', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ format: 'uuid', pattern: UUID_PATTERN })
  @IsOptional()
  @IsUUID()
  modelProfileId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after this instant (RFC 3339)' })
  @IsOptional()
  @IsDateTime()
  createdAfter?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before this instant (RFC 3339)' })
  @IsOptional()
  @IsDateTime()
  createdBefore?: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f' })
  id!: string;

  @ApiProperty({ nullable: true, type: String, example: 'Quarterly report helper' })
  title!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  modelProfileId!: string | null;

  @ApiProperty({ nullable: true, type: ReplayOfDto, description: 'Set on a replay session' })
  replay!: ReplayOfDto | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
