import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci pipeline', maxLength: 100, description: 'What the key is for.' })
  @IsString()
  @Matches(/\S/, { message: 'name must not be empty' })
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: ['admin', 'user'], example: 'user', description: 'admin keys may manage keys.' })
  @IsIn(['admin', 'user'])
  role!: 'admin' | 'user';
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid', example: '0b9f3c1e-6a0e-4c8e-9d55-3f0f2c4a7b21' })
  id!: string;

  @ApiProperty({ example: 'ci pipeline' })
  name!: string;

  @ApiProperty({ enum: ['admin', 'user'], example: 'user' })
  role!: string;

  @ApiProperty({ example: 'soma_Xk3v9QW', description: 'The first characters of the key, to recognise it.' })
  prefix!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  revokedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'soma_Xk3v9QWb0Jx3l2n1p8m7q6r5s4t3u2v1w0y9z8a7b6c',
    description: 'The key itself. Shown once: only its hash is stored.',
  })
  key!: string;
}
