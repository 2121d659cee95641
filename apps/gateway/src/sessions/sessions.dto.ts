import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class CreateSessionDto {
  @ApiPropertyOptional({ example: 'Quarterly report helper', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;
}

export class SessionCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
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
