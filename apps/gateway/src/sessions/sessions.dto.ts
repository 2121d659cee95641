import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INTENTS, SENTIMENTS, TAGS, UNCLASSIFIED_REASONS } from '#soma/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

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

export class CancellerDto {
  @ApiProperty({ enum: ['admin', 'user'] })
  role!: 'admin' | 'user';

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The API key that cancelled (null: bootstrap)',
  })
  keyId!: string | null;

  @ApiProperty({ enum: ['api', 'socket', 'interrupt', 'disconnect'] })
  via!: 'api' | 'socket' | 'interrupt' | 'disconnect';
}

export class CancelledTurnDto {
  @ApiProperty({ format: 'uuid' })
  turnId!: string;

  @ApiProperty({
    enum: ['queued', 'running', 'awaiting_tool', 'completed', 'failed', 'cancelled'],
    description:
      'The state after the request: final once ended (cancelled, or completed/failed if it ended first); ' +
      'still open (202) only when its run did not stop in time (a worker down or frozen ends it later).',
  })
  status!: string;

  @ApiProperty({ description: 'Whether a cancel was recorded (false: the turn had ended before).' })
  cancelRequested!: boolean;

  @ApiProperty({ type: () => CancellerDto, nullable: true })
  cancelledBy!: CancellerDto | null;
}

export class ContextMessageDto {
  @ApiProperty({ example: 'user' })
  role!: string;

  @ApiProperty()
  content!: string;
}

export class ToolAllowanceDto {
  @ApiProperty({ type: [String], maxItems: 64, example: ['code.execute'] })
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  tools!: string[];

  @ApiProperty({ enum: ['auto', 'none', 'required'] })
  @IsIn(['auto', 'none', 'required'])
  choice!: 'auto' | 'none' | 'required';
}

export class TurnDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['queued', 'running', 'awaiting_tool', 'completed', 'failed', 'cancelled'] })
  status!: string;

  @ApiProperty({
    type: () => CancellerDto,
    nullable: true,
    description: 'Who asked for the turn to be cancelled (set as soon as asked, before it has ended).',
  })
  cancelledBy!: CancellerDto | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The worker instance (SOMA_INSTANCE_ID) running the turn, or the last one that ran it.',
  })
  instanceId!: string | null;

  @ApiProperty({
    description:
      'Runs it took: 1, plus one for each time another run continued it after its worker was lost.',
  })
  attempts!: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Null for a turn started by a tool result',
  })
  userMessageId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  assistantMessageId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  modelProfileId!: string | null;

  @ApiProperty({
    type: () => ToolAllowanceDto,
    nullable: true,
    description:
      "The profile's tools this turn was narrowed to, and the choice (POST /v1/chat/completions tools / " +
      "tool_choice); null: the profile's own.",
  })
  toolAllowance!: ToolAllowanceDto | null;

  @ApiProperty({ type: String, nullable: true, example: 'WORKER_LOST' })
  errorCode!: string | null;

  @ApiProperty({ type: String, nullable: true })
  errorMessage!: string | null;

  @ApiProperty({ type: TokenUsageDto, nullable: true })
  usage!: TokenUsageDto | null;

  @ApiProperty({
    type: [ContextMessageDto],
    nullable: true,
    description:
      'The exact messages sent to the model (system prompt first), after fitting the context window.',
    example: [
      { role: 'system', content: 'You are Soma.' },
      { role: 'user', content: 'Hi' },
    ],
  })
  context!: { role: string; content: string }[] | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Tokens of that context, counted with the model tokenizer.',
  })
  contextTokens!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the context JSON.' })
  contextDigest!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Messages of the oldest turns left out to fit the window.',
  })
  droppedMessages!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the model was called',
  })
  generationStartedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the model returned' })
  generationEndedAt!: string | null;
}

export class PostMessageDto {
  @ApiProperty({
    example: 'What can you do?',
    pattern: '\\S',
    description: 'The user message, not only white space; limited by SOMA_MESSAGE_MAX_CHARS.',
  })
  @IsString()
  @Matches(/\S/, { message: 'content must not be empty' })
  content!: string;

  @ApiPropertyOptional({
    enum: ['enqueue', 'reject', 'interrupt'],
    default: 'enqueue',
    description:
      'What happens while the session has a turn open (queued, running or waiting for a tool): enqueue waits ' +
      'behind it; reject answers 409 TURN_IN_PROGRESS with its turnId; interrupt cancels every open turn ' +
      '(each ends with turn.cancelled, via interrupt) and then runs this one.',
  })
  @IsOptional()
  @IsIn(['enqueue', 'reject', 'interrupt'])
  ifBusy?: 'enqueue' | 'reject' | 'interrupt';

  @ApiPropertyOptional({
    type: () => ToolAllowanceDto,
    description:
      "Narrows the session's model profile's tools for this turn: only the named ones (each must be one of the " +
      "profile's, else 400 TOOL_NOT_ALLOWED), with choice auto, required or none (no tool). Absent: the profile's.",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ToolAllowanceDto)
  toolAllowance?: ToolAllowanceDto;
}

export class TurnAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  turnId!: string;

  @ApiProperty({ format: 'uuid' })
  messageId!: string;

  @ApiProperty({ description: 'True when this answers a repeated Idempotency-Key with the earlier turn.' })
  replayed!: boolean;
}

export class SentimentDto {
  @ApiProperty({ enum: SENTIMENTS })
  label!: string;

  @ApiProperty({ minimum: -1, maximum: 1, description: 'p(positive) − p(negative)' })
  score!: number;
}

/** What the preprocessor said about a user message (classified), or why it could not (unclassified). */
export class ClassificationDto {
  @ApiProperty({ enum: ['classified', 'unclassified'] })
  status!: 'classified' | 'unclassified';

  @ApiPropertyOptional({ enum: INTENTS, description: 'classified only' })
  intent?: string;

  @ApiPropertyOptional({ type: SentimentDto, description: 'classified only' })
  sentiment?: SentimentDto;

  @ApiPropertyOptional({ enum: TAGS, isArray: true, description: 'classified only' })
  tags?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'classified only: p(intent)' })
  confidence?: number;

  @ApiPropertyOptional({ description: 'classified only: the model and classifier that produced it' })
  model?: string;

  @ApiPropertyOptional({ enum: UNCLASSIFIED_REASONS, description: 'unclassified only' })
  reason?: string;

  @ApiPropertyOptional({ minimum: 0 })
  durationMs?: number;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['system', 'user', 'assistant', 'tool'] })
  role!: string;

  @ApiProperty()
  content!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  turnId!: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'For tool messages: the call whose result it is.',
  })
  toolCallId!: string | null;

  @ApiProperty({
    type: ClassificationDto,
    nullable: true,
    description: 'For user messages: intent, sentiment and tags from the preprocessor.',
  })
  classification!: Record<string, unknown> | null;

  @ApiProperty({
    enum: ['complete', 'cancelled'],
    description: 'cancelled: the partial reply of a cancelled turn, exactly as far as it was streamed.',
  })
  status!: 'complete' | 'cancelled';

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

export class TurnInProgressDto extends ErrorDto {
  @ApiProperty({ format: 'uuid', description: 'The open turn the message would have waited for.' })
  turnId!: string;
}
