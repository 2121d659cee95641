import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';

export class ReplayOfDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  sourceSessionId!: string;

  @ApiProperty({ enum: ['recorded', 'live'], example: 'recorded' })
  @IsIn(['recorded', 'live'])
  toolResults!: 'recorded' | 'live';
}

export class CreateSessionDto {
  @ApiPropertyOptional({ example: 'Quarterly report helper', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({
    example: 'local-default',
    description: 'Model profile id or name; the default if absent.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  modelProfile?: string;

  @ApiPropertyOptional({
    type: () => ReplayOfDto,
    description:
      "Makes this a replay session of a recorded one (the caller's tenant): its model profile defaults to the " +
      "source's, and its tool calls are answered from the recording (`recorded`) or run (`live`).",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReplayOfDto)
  replay?: ReplayOfDto;
}

export class SessionCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  modelProfileId!: string;
}

export class TokenUsageDto {
  @ApiProperty()
  promptTokens!: number;

  @ApiProperty()
  completionTokens!: number;

  @ApiProperty()
  totalTokens!: number;
}

export class TurnDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['queued', 'running', 'awaiting_tool', 'completed', 'failed'] })
  status!: string;

  @ApiProperty({
    nullable: true,
    description: 'The worker instance (SOMA_INSTANCE_ID) running the turn, or the last one that ran it.',
  })
  instanceId!: string | null;

  @ApiProperty({
    description:
      'Runs it took: 1, plus one for each time another run continued it after its worker was lost.',
  })
  attempts!: number;

  @ApiProperty({ format: 'uuid', nullable: true, description: 'Null for a turn started by a tool result' })
  userMessageId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true })
  assistantMessageId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true })
  modelProfileId!: string | null;

  @ApiProperty({ nullable: true, example: 'WORKER_LOST' })
  errorCode!: string | null;

  @ApiProperty({ nullable: true })
  errorMessage!: string | null;

  @ApiProperty({ type: TokenUsageDto, nullable: true })
  usage!: TokenUsageDto | null;

  @ApiProperty({
    nullable: true,
    description:
      'The exact messages sent to the model (system prompt first), after fitting the context window.',
    example: [
      { role: 'system', content: 'You are Soma.' },
      { role: 'user', content: 'Hi' },
    ],
  })
  context!: { role: string; content: string }[] | null;

  @ApiProperty({ nullable: true, description: 'Tokens of that context, counted with the model tokenizer.' })
  contextTokens!: number | null;

  @ApiProperty({ nullable: true, description: 'SHA-256 of the context JSON.' })
  contextDigest!: string | null;

  @ApiProperty({ nullable: true, description: 'Messages of the oldest turns left out to fit the window.' })
  droppedMessages!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true })
  completedAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, description: 'When the model was called' })
  generationStartedAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, description: 'When the model returned' })
  generationEndedAt!: string | null;
}

export class PostMessageDto {
  @ApiProperty({
    example: 'What can you do?',
    description: 'The user message; limited by SOMA_MESSAGE_MAX_CHARS.',
  })
  @IsString()
  @Matches(/\S/, { message: 'content must not be empty' })
  content!: string;
}

export class TurnAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  turnId!: string;

  @ApiProperty({ format: 'uuid' })
  messageId!: string;

  @ApiProperty({ description: 'True when this answers a repeated Idempotency-Key with the earlier turn.' })
  replayed!: boolean;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['system', 'user', 'assistant', 'tool'] })
  role!: string;

  @ApiProperty()
  content!: string;

  @ApiProperty({ format: 'uuid', nullable: true })
  turnId!: string | null;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    description: 'For tool messages: the call whose result it is.',
  })
  toolCallId!: string | null;

  @ApiProperty({
    nullable: true,
    description: 'For user messages: intent, sentiment and tags from the preprocessor.',
  })
  classification!: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class ErrorDto {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'SESSION_NOT_FOUND' })
  error!: string;

  @ApiProperty()
  message!: string;
}
