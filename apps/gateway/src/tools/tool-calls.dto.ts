import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsString, Matches, MaxLength } from 'class-validator';

export class RequestToolCallDto {
  @ApiProperty({ example: 'code.execute', description: 'A tool of the registry' })
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z][a-z0-9_.-]*$/, { message: 'tool must be a tool name such as code.execute' })
  tool!: string;

  @ApiProperty({
    example: { language: 'python', code: 'print(6 * 7)' },
    description: "The tool's arguments, validated against its JSON Schema",
  })
  @IsObject()
  arguments!: Record<string, unknown>;
}

export class ToolCallAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Idempotency key; the result arrives on tool.results' })
  toolCallId!: string;
}
