import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApprovalStatusSchema } from '#soma/contracts';
import { IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../http/pagination/index.js';

const statuses = ApprovalStatusSchema.anyOf.map((literal) => literal.const);

export class AnswerApprovalDto {
  @ApiProperty({
    enum: ['approve', 'edit', 'reject'],
    description:
      'approve: run as asked; edit: run with `arguments`; reject: do not run, the model reads `message`',
  })
  @IsIn(['approve', 'edit', 'reject'])
  decision!: 'approve' | 'edit' | 'reject';

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "With edit: the new arguments, validated against the tool's JSON schema, then policy again",
    example: { query: 'kafka partitions' },
  })
  @IsOptional()
  @IsObject()
  arguments?: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 2000, description: 'With reject: what the model reads as the result' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  message?: string;
}

export class ListApprovalsDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: statuses, default: 'pending' })
  @IsOptional()
  @IsIn(statuses)
  status?: (typeof statuses)[number];
}

export class ApprovalAnsweredDto {
  @ApiProperty({ format: 'uuid' }) toolCallId!: string;
  @ApiProperty({ enum: ['approved', 'edited', 'rejected'] }) status!: 'approved' | 'edited' | 'rejected';
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The single-use grant (not with reject)',
  })
  grantId!: string | null;
  @ApiProperty({ format: 'uuid' }) auditId!: string;
}

export class ToolApprovalDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ format: 'uuid' }) turnId!: string;
  @ApiProperty({ format: 'uuid' }) toolCallId!: string;
  @ApiProperty() tool!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) arguments!: object;
  @ApiProperty({ type: [String] }) reasons!: string[];
  @ApiProperty({ type: [String] }) ruleIds!: string[];
  @ApiProperty({ enum: statuses }) status!: (typeof statuses)[number];
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) requestedByKeyId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) answeredBy!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) answeredAt!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) answerArguments!:
    object | null;
  @ApiProperty({ nullable: true, type: String }) answerMessage!: string | null;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
