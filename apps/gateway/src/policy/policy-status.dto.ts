import { QueryInt } from '../http/query-params.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

export class PolicyStatusQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, description: 'How many recent decisions' })
  @IsOptional()
  @QueryInt(1, 200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 720, default: 24, description: 'Window of the counts, hours' })
  @IsOptional()
  @QueryInt(1, 720)
  windowHours?: number;
}

export class EngineHealthDto {
  @ApiProperty()
  healthy!: boolean;

  @ApiProperty({ description: 'Round trip of the health check, ms' })
  latencyMs!: number;

  @ApiProperty({ nullable: true, type: String })
  error!: string | null;
}

export class EnginesDto {
  @ApiProperty({ type: EngineHealthDto })
  opa!: EngineHealthDto;

  @ApiProperty({ type: EngineHealthDto })
  openfga!: EngineHealthDto;
}

export class DecisionTotalsDto {
  @ApiProperty() decisions!: number;
  @ApiProperty() allowed!: number;
  @ApiProperty() denied!: number;
  @ApiProperty() approvalRequired!: number;
  @ApiProperty() overridden!: number;
}

export class RecentDecisionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ format: 'uuid' }) toolCallId!: string;
  @ApiProperty() tool!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ enum: ['allow', 'deny', 'require_approval', 'override'] }) outcome!: string;
  @ApiProperty({ enum: ['enforcing', 'canary'] }) mode!: string;
  @ApiProperty({ type: [String] }) ruleIds!: string[];
  @ApiProperty({ type: [String] }) reasons!: string[];
  @ApiProperty() cached!: boolean;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}

export class RuleDenialsDto {
  @ApiProperty({ example: 'tools.high_risk_needs_approval' }) ruleId!: string;
  @ApiProperty() count!: number;
}

export class PolicyStatusDto {
  @ApiProperty({ enum: ['enforcing', 'canary'] })
  mode!: string;

  @ApiProperty({ type: EnginesDto })
  engines!: EnginesDto;

  @ApiProperty()
  windowHours!: number;

  @ApiProperty({ type: DecisionTotalsDto })
  totals!: DecisionTotalsDto;

  @ApiProperty({ type: [RecentDecisionDto], description: 'Newest first' })
  recentDecisions!: RecentDecisionDto[];

  @ApiProperty({
    type: [RuleDenialsDto],
    description: 'Denied or approval-required decisions (and canary would-be denials) per deciding rule',
  })
  denialsByRule!: RuleDenialsDto[];
}
