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
  @ApiProperty({ example: 'local-creative', maxLength: 100 })
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

  @ApiProperty({ example: 'SmolLM2-135M-Instruct-Q4_1' })
  @IsString()
  @MaxLength(200)
  model!: string;

  @ApiPropertyOptional({
    example: 'http://127.0.0.1:8000/v1',
    nullable: true,
    description: 'Required for openai',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  baseUrl?: string | null;

  @ApiPropertyOptional({
    example: 'SOMA_LLM_KEY_OPENAI',
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

  @ApiPropertyOptional({ example: 256, nullable: true, description: 'Null: SOMA_LLM_MAX_TOKENS' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(32768)
  maxTokens?: number | null;

  @ApiPropertyOptional({ example: 2048, nullable: true, description: 'Null: SOMA_LLM_CONTEXT_SIZE' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(64)
  @Max(1_048_576)
  contextWindow?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'Null: SOMA_SYSTEM_PROMPT' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(8000)
  systemPrompt?: string | null;

  @ApiPropertyOptional({ example: 0.0005, description: 'Cost per 1,000 prompt tokens' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  inputCostPer1k?: number;

  @ApiPropertyOptional({ example: 0.0015, description: 'Cost per 1,000 completion tokens' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  outputCostPer1k?: number;

  @ApiPropertyOptional({
    example: ['code.execute'],
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

export class ModelProfileDto extends CreateModelProfileDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}
