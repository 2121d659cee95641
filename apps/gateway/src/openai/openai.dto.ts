import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/*
 * The OpenAPI shapes of the OpenAI-compatible routes (docs/openai-api.md). Documentation only: the request is
 * checked by parseChatCompletion (each refusal names its parameter), not by class-validator.
 */

export class OpenAiErrorDetailDto {
  @ApiProperty({ example: 'temperature is not supported by this server' })
  message!: string;

  @ApiProperty({
    enum: [
      'invalid_request_error',
      'authentication_error',
      'permission_error',
      'rate_limit_error',
      'api_error',
    ],
    example: 'invalid_request_error',
  })
  type!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'temperature',
    description: 'The parameter at fault',
  })
  param!: string | null;

  @ApiProperty({
    example: 'PARAMETER_UNSUPPORTED',
    description:
      'Our error code (API_KEY_INVALID, RATE_LIMITED, BUDGET_EXCEEDED, SESSION_NOT_FOUND, VALIDATION_FAILED, ' +
      'PARAMETER_UNSUPPORTED, ...), or model_not_found',
  })
  code!: string;
}

/** OpenAI's error shape, `{error: {message, type, param, code}}`, which the official SDKs read. */
export class OpenAiErrorDto {
  @ApiProperty({ type: () => OpenAiErrorDetailDto })
  error!: OpenAiErrorDetailDto;
}

export class ModelDto {
  @ApiProperty({ example: 'local-default', description: "A model profile's name" })
  id!: string;

  @ApiProperty({ enum: ['model'] })
  object!: 'model';

  @ApiProperty({ example: 1764000000, description: 'Unix seconds: when the profile was created' })
  created!: number;

  @ApiProperty({ example: 'soma' })
  owned_by!: string;
}

export class ModelListDto {
  @ApiProperty({ enum: ['list'] })
  object!: 'list';

  @ApiProperty({ type: [ModelDto] })
  data!: ModelDto[];
}

export class TextPartDto {
  @ApiProperty({ enum: ['text'] })
  type!: 'text';

  @ApiProperty({ example: 'Hello' })
  text!: string;
}

export class ChatMessageDto {
  @ApiProperty({ enum: ['system', 'developer', 'user', 'assistant', 'tool'], example: 'user' })
  role!: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { $ref: getSchemaPath(TextPartDto) } }],
    example: 'What is a sandbox?',
    description: 'Text, or an array of text parts (joined with newlines)',
  })
  content?: string | TextPartDto[] | null;

  @ApiPropertyOptional({ example: 'alice' })
  name?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description: 'On an assistant message: the calls it made (earlier messages are not posted)',
  })
  tool_calls?: object[];

  @ApiPropertyOptional({ description: 'On a tool message' })
  tool_call_id?: string;
}

export class StreamOptionsDto {
  @ApiPropertyOptional({ example: true, description: 'A last chunk with empty choices and the usage' })
  include_usage?: boolean;
}

export class FunctionDto {
  @ApiProperty({ example: 'code.execute', description: "A tool of the tenant's registry" })
  name!: string;

  @ApiPropertyOptional()
  description?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Ignored: the registry's schema is the one validated",
  })
  parameters?: Record<string, unknown>;

  @ApiPropertyOptional()
  strict?: boolean;
}

export class ToolDto {
  @ApiProperty({ enum: ['function'] })
  type!: 'function';

  @ApiProperty({ type: () => FunctionDto })
  function!: FunctionDto;
}

export class ToolChoiceFunctionDto {
  @ApiProperty({ minLength: 1 })
  name!: string;
}

export class ToolChoiceDto {
  @ApiProperty({ enum: ['function'] })
  type!: 'function';

  @ApiProperty({ type: () => ToolChoiceFunctionDto })
  function!: ToolChoiceFunctionDto;
}

export class ChatCompletionRequestDto {
  @ApiProperty({ minLength: 1, description: 'The name of a model profile (GET /v1/models)' })
  model!: string;

  @ApiProperty({
    type: [ChatMessageDto],
    minItems: 1,
    description: "The last one must be the user's and only it is posted; the session holds the history",
  })
  messages!: ChatMessageDto[];

  @ApiPropertyOptional({
    example: false,
    description: 'true: chat.completion.chunk events, then data: [DONE]',
  })
  stream?: boolean;

  @ApiPropertyOptional({ type: () => StreamOptionsDto })
  stream_options?: StreamOptionsDto;

  @ApiPropertyOptional({ enum: [1], description: 'Only one choice' })
  n?: number;

  @ApiPropertyOptional({
    type: [ToolDto],
    minItems: 1,
    description:
      "Tools of the tenant's registry and of the model profile the turn may call (narrowing the profile's); " +
      'they run server-side, under policy, and are reported as tool_calls',
  })
  tools?: ToolDto[];

  @ApiPropertyOptional({
    oneOf: [{ type: 'string', enum: ['auto', 'none', 'required'] }, { $ref: getSchemaPath(ToolChoiceDto) }],
    description: 'none: no tool, even on a profile that requires one; a named function: that tool, required',
  })
  tool_choice?: string | ToolChoiceDto;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A session to continue (X-Soma-Session-Id wins); a new session when absent',
  })
  conversation?: string;

  @ApiPropertyOptional({ description: 'Accepted, ignored' })
  user?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Accepted, ignored' })
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Accepted, ignored' })
  store?: boolean;

  @ApiPropertyOptional({ description: 'Accepted, ignored' })
  parallel_tool_calls?: boolean;

  @ApiPropertyOptional({ description: 'Accepted, ignored' })
  service_tier?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Accepted, ignored' })
  seed?: number;
}

export class UsageDto {
  @ApiProperty({ example: 42 })
  prompt_tokens!: number;

  @ApiProperty({ example: 17 })
  completion_tokens!: number;

  @ApiProperty({ example: 59 })
  total_tokens!: number;
}

export class ToolCallFunctionDto {
  @ApiProperty({ example: 'code.execute' })
  name!: string;

  @ApiProperty({ example: '{"code":"print(42)"}', description: 'The arguments as JSON text' })
  arguments!: string;
}

export class ToolCallDto {
  @ApiProperty({ format: 'uuid', description: 'Our toolCallId' })
  id!: string;

  @ApiProperty({ enum: ['function'] })
  type!: 'function';

  @ApiProperty({ type: () => ToolCallFunctionDto })
  function!: ToolCallFunctionDto;
}

export class AssistantMessageDto {
  @ApiProperty({ enum: ['assistant'] })
  role!: 'assistant';

  @ApiProperty({ type: String, nullable: true })
  content!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Always null' })
  refusal!: null;

  @ApiPropertyOptional({
    type: [ToolCallDto],
    description: 'The calls the turn made (already run server-side)',
  })
  tool_calls?: ToolCallDto[];
}

export class ChoiceDto {
  @ApiProperty({ enum: [0] })
  index!: number;

  @ApiProperty({ type: () => AssistantMessageDto })
  message!: AssistantMessageDto;

  @ApiProperty({ enum: ['stop'] })
  finish_reason!: 'stop';

  @ApiProperty({ type: String, nullable: true, description: 'Always null' })
  logprobs!: null;
}

export class ChatCompletionDto {
  @ApiProperty({ example: 'chatcmpl-6f1c2a1e-8d1f-4c55-9a43-0f6f2bb8e0a1', description: 'chatcmpl-<turnId>' })
  id!: string;

  @ApiProperty({ enum: ['chat.completion'] })
  object!: 'chat.completion';

  @ApiProperty({ example: 1764000000 })
  created!: number;

  @ApiProperty({ example: 'local-default' })
  model!: string;

  @ApiProperty({ type: [ChoiceDto] })
  choices!: ChoiceDto[];

  @ApiProperty({ type: () => UsageDto })
  usage!: UsageDto;
}
