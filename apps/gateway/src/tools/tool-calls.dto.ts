import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsString, Matches, MaxLength } from 'class-validator';

const TOOL_NAME = /^[a-z][a-z0-9_.-]*$/;

export class RequestToolCallDto {
  @ApiProperty({
    example: 'code.execute',
    description: 'A tool of the registry',
    maxLength: 100,
    pattern: TOOL_NAME.source,
  })
  @IsString()
  @MaxLength(100)
  @Matches(TOOL_NAME, { message: 'tool must be a tool name such as code.execute' })
  tool!: string;

  @ApiProperty({
    example: { language: 'python', code: 'print(6 * 7)' },
    description: "The tool's arguments, validated against its JSON Schema",
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  arguments!: Record<string, unknown>;
}

export class ToolCallAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Idempotency key; the result arrives on tool.results' })
  toolCallId!: string;
}

export class PolicyDecisionDto {
  @ApiProperty({
    enum: ['allow', 'deny', 'require_approval', 'override'],
    description: '`override`: an admin override grant admitted the call instead of the engines',
  })
  outcome!: string;

  @ApiProperty({ enum: ['enforcing', 'canary'] })
  mode!: string;

  @ApiProperty({ type: [String], example: ['tools.high_risk_needs_approval'] })
  ruleIds!: string[];

  @ApiProperty({ type: [String] })
  reasons!: string[];

  @ApiProperty()
  cached!: boolean;

  @ApiProperty({ description: 'An engine could not be reached: blocked and retried (fail-closed)' })
  transient!: boolean;

  @ApiProperty({ minimum: 1 })
  attempt!: number;

  @ApiProperty({ format: 'date-time' })
  decidedAt!: string;
}

export class ToolCallErrorDto {
  @ApiProperty({ example: 'TOOL_TIMEOUT' })
  code!: string;

  @ApiProperty()
  message!: string;
}

export class ToolCallDto {
  @ApiProperty({ format: 'uuid' })
  toolCallId!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  turnId!: string | null;

  @ApiProperty({ example: 'code.execute' })
  tool!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  arguments!: Record<string, unknown>;

  @ApiProperty({ enum: ['model', 'user'] })
  requestedBy!: 'model' | 'user';

  @ApiProperty({ enum: ['running', 'ok', 'error', 'blocked'] })
  status!: string;

  @ApiProperty({ minimum: 1 })
  attempt!: number;

  @ApiProperty({
    description: 'The result the model saw (null while running): any JSON value',
    nullable: true,
    oneOf: [
      { type: 'object', additionalProperties: true },
      { type: 'array', items: {} },
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
    ],
  })
  output!: unknown;

  @ApiProperty({ type: ToolCallErrorDto, nullable: true })
  error!: ToolCallErrorDto | null;

  @ApiProperty({ type: [PolicyDecisionDto], description: 'Every decision on this call, oldest first' })
  decisions!: PolicyDecisionDto[];

  @ApiProperty({
    enum: ['sandbox', 'recorded'],
    nullable: true,
    description: '`recorded`: a replay session was answered from its source session (`recordedFrom`)',
  })
  source!: 'sandbox' | 'recorded' | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  recordedFrom!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  completedAt!: string | null;
}
