import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class ListSessionsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, example: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, example: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f' })
  id!: string;

  @ApiProperty({ nullable: true, type: String, example: 'Quarterly report helper' })
  title!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
