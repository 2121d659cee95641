import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { QueryInt } from '../http/query-params.dto.js';

export class DashboardQueryDto {
  @ApiPropertyOptional({
    minimum: 5,
    maximum: 1440,
    default: 30,
    description: 'The window, minutes up to now',
  })
  @IsOptional()
  @QueryInt(5, 1440)
  minutes?: number;
}

export class DashboardSeriesDto {
  @ApiProperty({ description: "The series' name, from its labels (the panel's legend)" })
  name!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'number', nullable: true },
    description: 'One value per timestamp of the dashboard; null where Prometheus has no sample',
  })
  values!: (number | null)[];
}

export class DashboardPanelDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ enum: ['per_second', 'seconds', 'count'] })
  unit!: 'per_second' | 'seconds' | 'count';

  @ApiProperty({ type: [DashboardSeriesDto] })
  series!: DashboardSeriesDto[];
}

export class DashboardDto {
  @ApiProperty({ type: 'integer', description: 'Unix seconds' })
  start!: number;

  @ApiProperty({ type: 'integer', description: 'Unix seconds' })
  end!: number;

  @ApiProperty({ type: 'integer' })
  stepSeconds!: number;

  @ApiProperty({ type: [Number], description: 'The shared time axis of every series, unix seconds' })
  timestamps!: number[];

  @ApiProperty({ type: [DashboardPanelDto] })
  panels!: DashboardPanelDto[];
}
