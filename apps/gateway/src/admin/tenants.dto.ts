import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Min, ValidateIf } from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: 'Unique tenant name' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message: 'name must be lowercase letters, digits, . _ - (max 100)',
  })
  name!: string;
}

export class TenantCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: "The tenant's first admin API key. Shown once; store it now." })
  adminKey!: string;
}

export class TenantBudgetDto {
  @ApiPropertyOptional({
    example: 500000,
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
    nullable: true,
    description: 'Tokens per session; null: SOMA_SESSION_TOKEN_CAP',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(0)
  sessionTokenCap?: number | null;
}

export class BudgetLimitsDto {
  @ApiProperty()
  dailyTokenBudget!: number;

  @ApiProperty()
  sessionTokenCap!: number;
}
