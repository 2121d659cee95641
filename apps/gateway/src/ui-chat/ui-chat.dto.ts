import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  ValidateNested,
} from 'class-validator';

/** One UIMessage of the AI SDK: its parts are kept as sent (only the last user message's text parts are read). */
export class UiMessageDto {
  @ApiProperty({ description: "The client's id of the message" })
  @IsString()
  id!: string;

  @ApiProperty({ enum: ['system', 'user', 'assistant'] })
  @IsIn(['system', 'user', 'assistant'])
  role!: 'system' | 'user' | 'assistant';

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true, properties: { type: { type: 'string' } } },
    description:
      'UI message parts; the text parts (`{type: "text", text}`) of the last user message are posted',
  })
  @IsArray()
  @IsObject({ each: true })
  parts!: Record<string, unknown>[];

  @ApiPropertyOptional({ description: 'Ignored' })
  @IsOptional()
  metadata?: unknown;
}

/** The body the AI SDK's DefaultChatTransport sends (`id` is our session id). */
export class UiChatRequestDto {
  @ApiProperty({ format: 'uuid', description: 'The session id (the chat id of useChat)' })
  @IsUUID()
  id!: string;

  @ApiProperty({
    type: [UiMessageDto],
    minItems: 1,
    description: 'The chat; its last message must be a user message with text',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => UiMessageDto)
  messages!: UiMessageDto[];

  @ApiProperty({
    enum: ['submit-message'],
    description: 'submit-message only: regenerate-message is refused (400) until supported',
  })
  @IsIn(['submit-message'], {
    message: 'trigger must be submit-message (regenerate-message is not supported yet)',
  })
  trigger!: 'submit-message';

  @ApiPropertyOptional({ description: 'Set by the SDK on regenerate only; ignored' })
  @IsOptional()
  @IsString()
  messageId?: string;

  @ApiPropertyOptional({
    enum: ['enqueue', 'reject', 'interrupt'],
    default: 'enqueue',
    description: "As for POST /v1/sessions/{id}/messages (pass it in the transport's `body`)",
  })
  @IsOptional()
  @IsIn(['enqueue', 'reject', 'interrupt'])
  ifBusy?: 'enqueue' | 'reject' | 'interrupt';
}

/**
 * The text to post: the text parts of the last message, which must be the user's, joined by blank lines; null when
 * there is none (not a user message, no text part, only white space).
 */
export function userTextOf(messages: readonly UiMessageDto[]): string | null {
  const last = messages.at(-1);
  if (last?.role !== 'user') return null;
  const texts = last.parts.flatMap((part) =>
    part.type === 'text' && typeof part.text === 'string' ? [part.text] : [],
  );
  const text = texts.join('\n\n');
  return /\S/.test(text) ? text : null;
}
