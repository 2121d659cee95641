import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { nextProperty, PageQueryDto } from '../http/pagination/index.js';

export class UsageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this session (an unknown one: empty)' })
  @IsOptional()
  @IsString()
  sessionId?: string;
}

export class UsageTotalsDto {
  @ApiProperty({ type: 'integer' })
  promptTokens!: number;

  @ApiProperty({ type: 'integer' })
  completionTokens!: number;

  @ApiProperty({ type: 'integer' })
  totalTokens!: number;

  @ApiProperty()
  cost!: number;

  @ApiProperty({ type: 'integer' })
  turns!: number;
}

export class SessionUsageDto extends UsageTotalsDto {
  @ApiProperty({ format: 'uuid' })
  sessionId!: string;
}

export class ToolTimeUsageDto {
  @ApiProperty({ type: 'integer' })
  dailyToolSeconds!: number;

  @ApiProperty()
  usedSecondsToday!: number;
}

/** The tenant's usage: the summary, and its sessions as a page (`items`, `next`) like every other list. */
export class UsageReportDto {
  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ example: '2026-12-02', description: 'The budget day (UTC)' })
  day!: string;

  @ApiProperty({ type: 'integer' })
  dailyTokenBudget!: number;

  @ApiProperty({ type: 'integer' })
  sessionTokenCap!: number;

  @ApiProperty({ type: 'integer', description: 'Ledger total of the day (finished turns)' })
  usedToday!: number;

  @ApiProperty({ type: ToolTimeUsageDto })
  tools!: ToolTimeUsageDto;

  @ApiProperty({
    type: UsageTotalsDto,
    description: 'Over every session (or the one asked for), not just this page',
  })
  total!: UsageTotalsDto;

  @ApiProperty({ type: [SessionUsageDto], description: 'Per session, by session id' })
  items!: SessionUsageDto[];

  @ApiProperty(nextProperty)
  next!: string | null;
}
