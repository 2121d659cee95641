import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { MODEL_KEY_ENV_PATTERN, MODEL_KEY_ENV_PREFIX } from '#soma/llm';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

export class CreateModelProfileDto {
  @ApiProperty({ example: 'local-creative', maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message: 'name must be lowercase letters, digits, . _ - (max 100)',
  })
  name!: string;

  @ApiProperty({
    enum: ['local', 'openai'],
    description: 'local: node-llama-cpp GGUF; openai: OpenAI-compatible HTTP API',
  })
  @IsIn(['local', 'openai'])
  provider!: 'local' | 'openai';

  @ApiProperty({ example: 'SmolLM2-135M-Instruct-Q4_1', maxLength: 200 })
  @IsString()
  @MaxLength(200)
  model!: string;

  @ApiPropertyOptional({
    example: 'http://127.0.0.1:8000/v1',
    type: String,
    format: 'uri',
    pattern: '^https?://',
    nullable: true,
    description: 'Required for openai',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  baseUrl?: string | null;

  @ApiPropertyOptional({
    example: 'SOMA_LLM_KEY_OPENAI',
    type: String,
    nullable: true,
    pattern: MODEL_KEY_ENV_PATTERN.source,
    description: `Name of the env variable with the key; it must start with ${MODEL_KEY_ENV_PREFIX}`,
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(MODEL_KEY_ENV_PATTERN, {
    message: `apiKeyEnv must be an environment variable named ${MODEL_KEY_ENV_PREFIX}<NAME> (A-Z, 0-9, _)`,
  })
  apiKeyEnv?: string | null;

  @ApiPropertyOptional({ example: 0.7, minimum: 0, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ example: 0.9, minimum: 0.01, maximum: 1 })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(1)
  topP?: number;

  @ApiPropertyOptional({
    example: 256,
    type: 'integer',
    minimum: 1,
    maximum: 32768,
    nullable: true,
    description: 'Null: SOMA_LLM_MAX_TOKENS',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(32768)
  maxTokens?: number | null;

  @ApiPropertyOptional({
    example: 2048,
    type: 'integer',
    minimum: 64,
    maximum: 1_048_576,
    nullable: true,
    description: 'Null: SOMA_LLM_CONTEXT_SIZE',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(64)
  @Max(1_048_576)
  contextWindow?: number | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: 8000,
    nullable: true,
    description: 'Null: SOMA_SYSTEM_PROMPT',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(8000)
  systemPrompt?: string | null;

  @ApiPropertyOptional({ example: 0.0005, minimum: 0, description: 'Cost per 1,000 prompt tokens' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  inputCostPer1k?: number;

  @ApiPropertyOptional({ example: 0.0015, minimum: 0, description: 'Cost per 1,000 completion tokens' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  outputCostPer1k?: number;

  @ApiPropertyOptional({
    example: ['code.execute'],
    type: [String],
    maxItems: 20,
    description:
      'Tools the model may call (code.execute, http.fetch, web.search, memory.write, memory.search)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  tools?: string[];

  @ApiPropertyOptional({
    enum: ['auto', 'required'],
    description: 'required: every turn starts with a tool call',
  })
  @IsOptional()
  @IsIn(['auto', 'required'])
  toolChoice?: 'auto' | 'required';

  @ApiPropertyOptional({ description: 'Make this the default profile for new sessions' })
  @IsOptional()
  @IsBoolean()
  isDefault?: boolean;
}

export class UpdateModelProfileDto extends PartialType(CreateModelProfileDto) {}

/** A stored profile: every field present (null where the server default applies). */
export class ModelProfileDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'local-default' })
  name!: string;

  @ApiProperty({ enum: ['local', 'openai'] })
  provider!: 'local' | 'openai';

  @ApiProperty({ example: 'SmolLM2-135M-Instruct-Q4_1' })
  model!: string;

  @ApiProperty({ type: String, nullable: true })
  baseUrl!: string | null;

  @ApiProperty({ type: String, nullable: true })
  apiKeyEnv!: string | null;

  @ApiProperty({ example: 0.7 })
  temperature!: number;

  @ApiProperty({ example: 0.9 })
  topP!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Null: SOMA_LLM_MAX_TOKENS' })
  maxTokens!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Null: SOMA_LLM_CONTEXT_SIZE' })
  contextWindow!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Null: SOMA_SYSTEM_PROMPT' })
  systemPrompt!: string | null;

  @ApiProperty({ example: 0.0005 })
  inputCostPer1k!: number;

  @ApiProperty({ example: 0.0015 })
  outputCostPer1k!: number;

  @ApiProperty({ type: [String], example: ['code.execute'] })
  tools!: string[];

  @ApiProperty({ enum: ['auto', 'required'] })
  toolChoice!: 'auto' | 'required';

  @ApiProperty()
  isDefault!: boolean;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}
