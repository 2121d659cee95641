import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
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
import { type McpAuth, type McpServerSpec } from '#soma/tools';

export class McpAuthDto {
  @ApiProperty({ enum: ['bearer', 'oauth-client-credentials'] })
  @IsIn(['bearer', 'oauth-client-credentials'])
  type!: 'bearer' | 'oauth-client-credentials';

  @ApiPropertyOptional({ description: 'bearer: the token (sealed, never returned)' })
  @ValidateIf((auth: McpAuthDto) => auth.type === 'bearer')
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  token?: string;

  @ApiPropertyOptional({ description: 'oauth-client-credentials: the token endpoint' })
  @ValidateIf((auth: McpAuthDto) => auth.type === 'oauth-client-credentials')
  @IsString()
  @MaxLength(2048)
  tokenUrl?: string;

  @ApiPropertyOptional()
  @ValidateIf((auth: McpAuthDto) => auth.type === 'oauth-client-credentials')
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  clientId?: string;

  @ApiPropertyOptional({ description: 'sealed, never returned' })
  @ValidateIf((auth: McpAuthDto) => auth.type === 'oauth-client-credentials')
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  clientSecret?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;
}

export class RegisterMcpServerDto {
  @ApiProperty({ example: 'docs', description: 'Tools are named mcp.<name>.<tool>' })
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/, { message: 'name must be 1-32 of a-z 0-9 _ -, a letter first' })
  name!: string;

  @ApiProperty({ enum: ['streamable-http', 'stdio'] })
  @IsIn(['streamable-http', 'stdio'])
  transport!: 'streamable-http' | 'stdio';

  @ApiPropertyOptional({
    example: 'https://mcp.example.org/mcp',
    description: 'streamable-http: the endpoint',
  })
  @ValidateIf((dto: RegisterMcpServerDto) => dto.transport === 'streamable-http')
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: McpAuthDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => McpAuthDto)
  auth?: McpAuthDto;

  @ApiPropertyOptional({
    example: '/usr/bin/node',
    description: 'stdio: the program, run in the sandbox jail',
  })
  @ValidateIf((dto: RegisterMcpServerDto) => dto.transport === 'stdio')
  @IsString()
  @Matches(/^\//, { message: 'command must be an absolute path' })
  @MaxLength(1024)
  command?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  args?: string[];

  @ApiPropertyOptional({ type: [String], description: 'stdio: host paths bound read-only into the jail' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @Matches(/^\/(?!proc|sys|dev)[^\0]*$/, {
    each: true,
    message: 'mounts must be absolute paths outside /proc, /sys, /dev',
  })
  mounts?: string[];

  @ApiPropertyOptional({ enum: ['low', 'medium', 'high'], description: 'Risk policy sees (default medium)' })
  @IsOptional()
  @IsIn(['low', 'medium', 'high'])
  risk?: 'low' | 'medium' | 'high';

  @ApiPropertyOptional({ description: 'Per-request timeout (connect, list, call), ms', minimum: 100 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs?: number;
}

function authOf(dto: McpAuthDto): McpAuth {
  return dto.type === 'bearer'
    ? { type: 'bearer', token: dto.token ?? '' }
    : {
        type: 'oauth-client-credentials',
        tokenUrl: dto.tokenUrl ?? '',
        clientId: dto.clientId ?? '',
        clientSecret: dto.clientSecret ?? '',
        ...(dto.scope === undefined ? {} : { scope: dto.scope }),
      };
}

/** The checked body as the command's spec (fields of the other transport are ignored). */
export function mcpServerSpec(dto: RegisterMcpServerDto): McpServerSpec {
  const common = { name: dto.name, risk: dto.risk, timeoutMs: dto.timeoutMs };
  return dto.transport === 'stdio'
    ? { ...common, transport: 'stdio', command: dto.command ?? '', args: dto.args, mounts: dto.mounts }
    : { ...common, transport: 'streamable-http', url: dto.url ?? '', auth: dto.auth && authOf(dto.auth) };
}
