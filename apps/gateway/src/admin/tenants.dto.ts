import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: 'Unique tenant name' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message: 'name must be lowercase letters, digits, . _ - (max 100)',
  })
  name!: string;
}

export class ToolGrantDto {
  @ApiProperty({ example: 'code.execute' })
  @IsString()
  @MaxLength(100)
  tool!: string;

  @ApiProperty({ description: "Every call of this tool waits for an admin's approval" })
  @IsBoolean()
  approvalRequired!: boolean;
}

export class TenantCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: "The tenant's first admin API key. Shown once; store it now." })
  adminKey!: string;

  @ApiProperty({
    type: [ToolGrantDto],
    nullable: true,
    description:
      'The tools granted by default (SOMA_NEW_TENANT_TOOLS); null when OpenFGA could not be written',
  })
  tools!: ToolGrantDto[] | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the default tools were not granted (retry with PUT /v1/tenants/{id}/tools)',
  })
  toolsError!: string | null;
}

export class TenantToolsDto {
  @ApiProperty({ type: [ToolGrantDto], description: 'The whole set: tools not listed are revoked' })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ToolGrantDto)
  tools!: ToolGrantDto[];
}

export class TenantBudgetDto {
  @ApiPropertyOptional({
    example: 500000,
    type: 'integer',
    minimum: 0,
    nullable: true,
    description: 'Tokens per UTC day; null: SOMA_TENANT_DAILY_TOKEN_BUDGET',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(0)
  dailyTokenBudget?: number | null;

  @ApiPropertyOptional({
    example: 100000,
    type: 'integer',
    minimum: 0,
    nullable: true,
    description: 'Tokens per session; null: SOMA_SESSION_TOKEN_CAP',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(0)
  sessionTokenCap?: number | null;

  @ApiPropertyOptional({
    example: 3600,
    type: 'integer',
    minimum: 0,
    nullable: true,
    description:
      'Seconds of tool running time per UTC day, all tools together (queue waits excluded); null: ' +
      'SOMA_TENANT_DAILY_TOOL_SECONDS. Once used up, tool calls end BUDGET_EXCEEDED (HTTP 429 for explicit calls).',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(0)
  dailyToolSeconds?: number | null;
}

export class BudgetLimitsDto {
  @ApiProperty()
  dailyTokenBudget!: number;

  @ApiProperty()
  sessionTokenCap!: number;

  @ApiProperty()
  dailyToolSeconds!: number;
}

const MAX_ENTRIES = 100;

/** PUT /v1/tenants/{id}/policy: the whole set of settings; a field left out takes its default. */
export class TenantPolicyDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ENTRIES,
    example: ['api.example.org', '*.example.net'],
    description: 'Hosts http.fetch may reach ("*.example.org": its subdomains). Default []',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ENTRIES)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  egressHosts?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ENTRIES,
    example: ['10.20.0.0/16'],
    description: 'Address ranges http.fetch may connect to beyond the public internet. Default []',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ENTRIES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  allowedCidrs?: string[];

  @ApiPropertyOptional({
    type: [Number],
    maxItems: MAX_ENTRIES,
    example: [80, 443],
    description: 'Ports http.fetch may connect to (1..65535). Default [80, 443]',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ENTRIES)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(65535, { each: true })
  allowedPorts?: number[];

  @ApiPropertyOptional({ type: [String], maxItems: MAX_ENTRIES, example: ['code.execute'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ENTRIES)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  disabledTools?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ENTRIES,
    example: ['web.search'],
    description: "Tools whose model-requested calls the session's own user approves in the chat",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ENTRIES)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  userApprovalTools?: string[];

  @ApiPropertyOptional({ maxLength: 500, description: 'Why (kept in the audit event)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason?: string;
}

export class TenantPolicySettingsDto {
  @ApiProperty({ type: [String] })
  egressHosts!: string[];

  @ApiProperty({ type: [String] })
  allowedCidrs!: string[];

  @ApiProperty({ type: [Number] })
  allowedPorts!: number[];

  @ApiProperty({ type: [String] })
  disabledTools!: string[];

  @ApiProperty({ type: [String] })
  userApprovalTools!: string[];

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'null: never set (defaults)',
  })
  updatedAt!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The API key that set them' })
  updatedBy!: string | null;
}
